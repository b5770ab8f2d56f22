package dev.chainrule.train;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import java.util.Arrays;

/**
 * Computes every shard's gradient in this process, side by side on up to {@code threads} threads
 * ({@link ShardThreads}), and hands them to the step's reduction in shard order on the caller's
 * thread, each as soon as it and the shards before it are done. The bits do not depend on the thread
 * count. Lifecycle: construct, {@link #compute} once per step from one thread, {@link #close}.
 */
public final class LocalShardExecutor implements ShardExecutor, AutoCloseable {
    private final Mlp model;
    private final Dataset train;
    private final ShardThreads threads;

    /** Shards of {@code train}'s samples, differentiated through {@code model}, one after the other on the caller's thread. */
    public LocalShardExecutor(Mlp model, Dataset train) {
        this(model, train, 1);
    }

    /** As above, up to {@code threads} shards at once. */
    public LocalShardExecutor(Mlp model, Dataset train, int threads) {
        this.model = model;
        this.train = train;
        this.threads = new ShardThreads(threads);
    }

    @Override
    public double compute(long step, int[] batch, ShardPlan plan, StepReduction reduction) {
        threads.run(plan.shards(), s -> plan.size(s) == 0 ? null
                : shardGradient(model, train, Arrays.copyOfRange(batch, plan.start(s), plan.start(s) + plan.size(s))),
                (s, gradient) -> {
                    if (gradient != null) {
                        for (int p = 0; p < gradient.gradients().size(); p++) {
                            reduction.add(s, p, gradient.gradients().get(p));
                        }
                        reduction.addLoss(s, gradient.lossSum(), gradient.samples());
                    }
                });
        return reduction.finish();
    }

    /** Stops the helper threads. */
    @Override
    public void close() {
        threads.close();
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
