package dev.chainrule.coordinator;

import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import java.util.Objects;

/**
 * A partitioned run's shape: how many partitions hold the parameters, the optimiser each applies to
 * its slice (the run's own, which the leader does not apply), and what losing a host does.
 *
 * @param partitions K, at least 1
 * @param optimizer the optimiser's kind, one of {@link Optimizers#KINDS}
 * @param settings its settings
 * @param rollsBack whether a lost host sends the run back to its newest checkpoint, to go on with the
 *     workers left (the trainer writes checkpoints), rather than ending it
 */
public record PartitionSetup(int partitions, String optimizer, OptimizerSettings settings, boolean rollsBack) {
    /** Checks the values. */
    public PartitionSetup {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions : " + partitions + " (expected: >= 1)");
        }
        if (!Optimizers.KINDS.contains(optimizer)) {
            throw new IllegalArgumentException("optimizer : " + optimizer + " (expected: one of " + Optimizers.KINDS + ")");
        }
        Objects.requireNonNull(settings, "settings");
    }
}
