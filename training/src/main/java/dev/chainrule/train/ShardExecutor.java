package dev.chainrule.train;

/**
 * Computes the gradients of one step's shards from the model's current weights, in this process
 * ({@link LocalShardExecutor}) or on remote workers, and hands them to the step's
 * {@link StepReduction}, which sums them in shard order and updates each parameter as soon as all of
 * its shards are in. Called by the {@link Trainer} once per step, on its thread.
 */
public interface ShardExecutor {

    /**
     * Computes the gradient of the summed loss over each non-empty shard of step {@code step}'s batch,
     * hands every shard's gradient of every parameter and every shard's loss to {@code reduction}
     * (begun for this step), and returns once every parameter has been updated.
     *
     * @param batch the training-set indices of the batch's samples, in batch order
     * @param plan how the batch is cut into shards
     */
    void compute(long step, int[] batch, ShardPlan plan, StepReduction reduction);

    /**
     * Whether a shard may have to be computed again after some parameters of its step were updated
     * (a remote worker lost half-way), or the step may fail half-way: the step's reduction then keeps
     * the step's starting values and can be undone. False for a local executor.
     */
    default boolean needsUndoableSteps() {
        return false;
    }
}
