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
        Tensor loss = Functional.crossEntropySum(model.forward(features), labels);
        List<Tensor> gradients = Autograd.grad(loss, model.parameters());
        return new ShardGradient(gradients, loss.item(), labels.length);
    }
}
