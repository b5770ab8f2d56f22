package dev.chainrule.train;

import java.util.List;

/**
 * Computes the gradients of one step's shards from the model's current weights: in this process
 * ({@link LocalShardExecutor}) or on remote workers. Called by the {@link Trainer} once per step, on
 * its thread, between optimiser updates.
 */
public interface ShardExecutor {

    /**
     * The gradient of the summed loss over each non-empty shard of step {@code step}'s batch, in shard order.
     *
     * @param batch the training-set indices of the batch's samples, in batch order
     * @param plan how the batch is cut into shards
     */
    List<ShardGradient> compute(long step, int[] batch, ShardPlan plan);
}
