package dev.chainrule.train;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import java.util.Arrays;

/** Computes every shard's gradient in this process, one shard after the other, on the caller's thread. */
public final class LocalShardExecutor implements ShardExecutor {
    private final Mlp model;
    private final Dataset train;

    /** Shards of {@code train}'s samples, differentiated through {@code model}. */
    public LocalShardExecutor(Mlp model, Dataset train) {
        this.model = model;
        this.train = train;
    }

    @Override
    public double compute(long step, int[] batch, ShardPlan plan, StepReduction reduction) {
        for (int s = 0; s < plan.shards(); s++) {
            if (plan.size(s) > 0) {
                int[] samples = Arrays.copyOfRange(batch, plan.start(s), plan.start(s) + plan.size(s));
                ShardGradient gradient = shardGradient(model, train, samples);
                for (int p = 0; p < gradient.gradients().size(); p++) {
                    reduction.add(s, p, gradient.gradients().get(p));
                }
                reduction.addLoss(s, gradient.lossSum(), gradient.samples());
            }
        }
        return reduction.finish();
    }

    /** The gradient of the summed loss over the given samples of {@code data}: what one worker computes for one shard. */
    public static ShardGradient shardGradient(Mlp model, Dataset data, int[] samples) {
        return shardGradient(model, data, samples, null);
    }

    /**
     * As above, handing each parameter's gradient to {@code listener} (when not null) as soon as
     * reverse differentiation has finished it, the last layer's first: a worker sends it while the
     * earlier layers are still being differentiated.
     */
    public static ShardGradient shardGradient(Mlp model, Dataset data, int[] samples, ShardGradient.Listener listener) {
        Tensor x = Tensor.uninitialized(DType.FLOAT32, Shape.of(samples.length, data.features()));
        int[] y = new int[samples.length];
        data.copyBatch(samples, samples.length, ((Storage.Float32) x.storage()).buffer(), y);
        return ShardGradient.compute(model, x, y, listener);
    }
}
