package dev.chainrule.worker;

import dev.chainrule.train.ShardGradient;

/**
 * Where one shard's gradient goes as backward produces it: the coordinator's session
 * ({@link ShardSender}), or the partitions of a partitioned run ({@link PartitionedSteps#sender}).
 * Counts the time spent sending, which is communication, not compute.
 */
interface ShardOutlet extends ShardGradient.Listener {
    /** Reverse differentiation is done (the shard computed one parameter at a time); nothing by default. */
    default void finished() {
    }

    /** The time spent sending so far. */
    long sendingNanos();
}
