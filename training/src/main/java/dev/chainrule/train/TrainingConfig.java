package dev.chainrule.train;

/**
 * How a run iterates over the data: the global batch size, how many optimiser steps (an explicit
 * count, or whole epochs), the shuffling seed, and the number of shards each batch's gradient is
 * computed in (1 for a plain single-process run; N reproduces an N-shard distributed run bit for bit).
 */
public record TrainingConfig(int batchSize, int epochs, long steps, boolean shuffle, long seed, int shards) {

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
