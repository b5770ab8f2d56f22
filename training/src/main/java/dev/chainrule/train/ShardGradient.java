package dev.chainrule.train;

import dev.chainrule.autodiff.Autograd;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.ops.Functional;
import dev.chainrule.nn.Mlp;
import java.util.List;

/**
 * The gradient of the loss summed (not averaged) over one shard of a batch, with respect to every
 * parameter of the model in order, together with the loss sum and the number of samples. Adding
 * the shard gradients of a batch in shard order and dividing by the batch size gives the gradient of
 * the mean loss over the batch; every trainer, local or distributed, computes it this way.
 */
public record ShardGradient(List<Tensor> gradients, double lossSum, int samples) {

    /** Forward and reverse differentiation of the summed cross-entropy over {@code features} [n, inputs]. */
    public static ShardGradient compute(Mlp model, Tensor features, int[] labels) {
        return compute(model, features, labels, null);
    }

    /**
     * As above, handing each parameter's gradient to {@code listener} (when not null) as soon as
     * reverse differentiation has finished it ({@link Autograd#grad(Tensor, List, Autograd.GradientListener)}).
     */
    public static ShardGradient compute(Mlp model, Tensor features, int[] labels, Listener listener) {
        Tensor loss = Functional.crossEntropySum(model.forward(features), labels);
        double lossSum = loss.item();
        if (listener != null) {
            listener.forwardDone();
        }
        List<Tensor> gradients = listener == null ? Autograd.grad(loss, model.parameters())
                : Autograd.grad(loss, model.parameters(), (parameter, gradient) -> listener.ready(parameter, gradient, lossSum));
        return new ShardGradient(gradients, lossSum, labels.length);
    }

    /** Receives one shard's gradient parameter by parameter, each as soon as it is final (the last layer's first). */
    @FunctionalInterface
    public interface Listener {
        /**
         * The gradient with respect to the model's parameter at position {@code parameter}, final:
         * read it (e.g. send it) before the differentiation returns, do not change it. The shard's
         * loss sum, known before differentiation starts, comes along.
         */
        void ready(int parameter, Tensor gradient, double lossSum);

        /** The forward pass and the loss are done; reverse differentiation starts next. Does nothing by default. */
        default void forwardDone() {
        }
    }
}
