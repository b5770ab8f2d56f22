package dev.chainrule.train;

import dev.chainrule.optim.Optimizer;

/**
 * Computes the gradients of one step's shards from the model's current weights, in this process
 * ({@link LocalShardExecutor}) or on remote workers, hands them to the step's {@link StepReduction},
 * which sums them in shard order, and finishes it, which updates the parameters. Called by the
 * {@link Trainer} once per step, on its thread.
 */
public interface ShardExecutor {

    /**
     * Computes the gradient of the summed loss over each non-empty shard of step {@code step}'s batch,
     * hands every shard's gradient of every parameter and every shard's loss to {@code reduction}
     * (begun for this step), finishes it and returns the mean loss over the batch. When it throws, the
     * parameters are those from before the step and the reduction is no longer in use.
     *
     * @param batch the training-set indices of the batch's samples, in batch order
     * @param plan how the batch is cut into shards
     */
    double compute(long step, int[] batch, ShardPlan plan, StepReduction reduction);

    /**
     * Makes the model hold the weights of the steps computed so far, before the trainer evaluates or
     * saves it. Executors whose steps update the model's parameters in place have nothing to do (the
     * default); one whose weights live elsewhere (partitions) fetches them.
     */
    default void loadWeights() {
    }

    /**
     * Makes the model hold the weights, and {@code optimizer} the state, of the steps computed so far,
     * before the trainer writes a checkpoint of them. Executors whose steps update both in place have
     * nothing to do (the default); one whose weights and optimiser state live elsewhere (partitions)
     * fetches them.
     */
    default void loadCheckpointState(Optimizer optimizer) {
    }

    /**
     * Whether the steps since the newest checkpoint may be lost, so that {@link #compute},
     * {@link #loadWeights} or {@link #loadCheckpointState} throw {@link StepsLostException} (a
     * partitioned run that goes back to its checkpoint when a host is lost); the trainer then keeps a
     * copy of the run's starting point to go back to before its first checkpoint. False by default.
     */
    default boolean canLoseSteps() {
        return false;
    }
}
