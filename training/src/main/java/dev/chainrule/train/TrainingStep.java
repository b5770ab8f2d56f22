package dev.chainrule.train;

import dev.chainrule.autodiff.Workspace;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.Optimizer;
import java.util.Arrays;

/**
 * One optimiser step over one batch: the {@link ShardExecutor} computes every shard's gradient of
 * the summed loss, {@link GradientSum} adds them in shard order, and the optimiser divides the sums
 * by the batch size as it updates the model's weights in place, in the same pass. The trainer runs
 * one of these per step; the benchmarks time it. The shards' graphs and gradients live in a
 * {@link Workspace} that stays open until the update has read them, so that from the second step on
 * a step allocates no tensor memory. Not thread-safe.
 */
public final class TrainingStep {
    private final Mlp model;
    private final Optimizer optimizer;
    private final ShardExecutor executor;
    private final int shards;
    private final GradientSum sum;
    private final Workspace workspace = new Workspace();

    /** Steps of {@code model} whose shard gradients come from {@code executor}, each batch cut into {@code shards} shards. */
    public TrainingStep(Mlp model, Optimizer optimizer, ShardExecutor executor, int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards: " + shards + " (expected: >= 1)");
        }
        this.model = model;
        this.optimizer = optimizer;
        this.executor = executor;
        this.shards = shards;
        this.sum = new GradientSum(model.parameters());
    }

    /**
     * Runs step {@code step} on the first {@code count} sample indices of {@code batch} with the given
     * learning rate and returns the mean training loss over the batch.
     */
    public double run(long step, int[] batch, int count, double learningRate) {
        sum.reset();
        try (Workspace.Scope ignored = workspace.open()) {
            for (ShardGradient shard : executor.compute(step, Arrays.copyOf(batch, count), new ShardPlan(count, shards))) {
                sum.add(shard);
            }
            if (sum.samples() != count) {
                throw new IllegalStateException("step " + step + ": shard gradients cover " + sum.samples()
                        + " samples (expected: " + count + ")");
            }
            optimizer.step(model.parameters(), sum.sums(), count, learningRate);
        }
        return sum.meanLoss();
    }
}
