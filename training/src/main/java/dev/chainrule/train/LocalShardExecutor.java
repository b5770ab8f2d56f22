package dev.chainrule.train;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
    public List<ShardGradient> compute(long step, int[] batch, ShardPlan plan) {
        List<ShardGradient> gradients = new ArrayList<>(plan.shards());
        for (int s = 0; s < plan.shards(); s++) {
            if (plan.size(s) > 0) {
                int[] samples = Arrays.copyOfRange(batch, plan.start(s), plan.start(s) + plan.size(s));
                gradients.add(shardGradient(model, train, samples));
            }
        }
        return gradients;
    }

    /** The gradient of the summed loss over the given samples of {@code data}: what one worker computes for one shard. */
    public static ShardGradient shardGradient(Mlp model, Dataset data, int[] samples) {
        Tensor x = Tensor.uninitialized(DType.FLOAT32, Shape.of(samples.length, data.features()));
        int[] y = new int[samples.length];
        data.copyBatch(samples, samples.length, ((Storage.Float32) x.storage()).buffer(), y);
        return ShardGradient.compute(model, x, y);
    }
}
