package dev.chainrule.train;

import dev.chainrule.autodiff.Workspace;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.Optimizer;
import java.util.Arrays;

/**
 * One optimiser step over one batch: the {@link ShardExecutor} computes every shard's gradient of
 * the summed loss and hands it to the step's {@link StepReduction}, which adds them in shard order and
 * has the optimiser update the parameters in place once all shards are in, dividing the sums by the
 * batch size in the same pass. The trainer runs one of these per step; the benchmarks time
 * it. The shards' graphs and gradients live in a {@link Workspace} that stays open until the update
 * has read them, so that from the second step on a step allocates no tensor memory. A step that fails
 * (a distributed one) changes nothing: the weights and the optimiser state are those after the
 * previous step. Not thread-safe.
 */
public final class TrainingStep {
    private final ShardExecutor executor;
    private final int shards;
    private final StepReduction reduction;
    private final Workspace workspace = new Workspace();

    /** Steps of {@code model} whose shard gradients come from {@code executor}, each batch cut into {@code shards} shards. */
    public TrainingStep(Mlp model, Optimizer optimizer, ShardExecutor executor, int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards: " + shards + " (expected: >= 1)");
        }
        this.executor = executor;
        this.shards = shards;
        this.reduction = new StepReduction(model.parameters(), optimizer);
    }

    /**
     * Runs step {@code step} on the first {@code count} sample indices of {@code batch} with the given
     * learning rate and returns the mean training loss over the batch.
     */
    public double run(long step, int[] batch, int count, double learningRate) {
        ShardPlan plan = new ShardPlan(count, shards);
        reduction.begin(plan, count, learningRate);
        try (Workspace.Scope ignored = workspace.open()) {
            return executor.compute(step, Arrays.copyOf(batch, count), plan, reduction);
        } catch (RuntimeException | Error e) {
            reduction.abandon();
            throw e;
        }
    }
}
