package dev.chainrule.train;

/**
 * How a run iterates over the data: the global batch size, how many optimiser steps (an explicit
 * count, or whole epochs), the shuffling seed, and the number of shards each batch's gradient is
 * computed in (the same S gives the same bits in one process on any number of threads and on any
 * number of workers).
 */
public record TrainingConfig(int batchSize, int epochs, long steps, boolean shuffle, long seed, int shards) {
    /**
     * The shards of a batch when a run does not choose: two, so that one process computes them side by
     * side on two cores and a local cluster of two workers gives the same bits.
     */
    public static final int DEFAULT_SHARDS = 2;

    /** Validates the values, naming any that is out of range. */
    public TrainingConfig {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size : " + batchSize + " (expected: >= 1)");
        }
        if (steps < 0 || steps == 0 && epochs < 1) {
            throw new IllegalArgumentException("epochs : " + epochs + ", steps : " + steps + " (expected: epochs >= 1 or steps >= 1)");
        }
        if (shards < 1) {
            throw new IllegalArgumentException("shards : " + shards + " (expected: >= 1)");
        }
    }

    /** Total optimiser steps for a training set split into {@code batchesPerEpoch} batches. */
    public long totalSteps(int batchesPerEpoch) {
        return steps > 0 ? steps : (long) epochs * batchesPerEpoch;
    }
}
