package dev.chainrule.data;

import java.util.Arrays;

/**
 * Maps a training step to the sample indices of its batch: step {@code s} uses batch
 * {@code s mod nb} of epoch {@code ⌊s / nb⌋}, where {@code nb = ⌈N / batch⌉}.
 *
 * <p>Each epoch visits the samples in one order — file order without shuffling, otherwise
 * {@link EpochShuffle#permute(int[], long, long) the permutation of that epoch} — cut into
 * consecutive slices of {@code batch} samples; the last slice of an epoch may be shorter and is kept
 * (PyTorch's {@code drop_last=False}). The current epoch's order is cached, so consecutive steps do
 * not recompute it. Not thread-safe: one thread asks for the steps of a run.
 */
public final class BatchSchedule {
    private final int samples;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final int batchesPerEpoch;
    private final int[] order;
    private long cachedEpoch = -1;
    private int ordersComputed;

    private BatchSchedule(int samples, int batchSize, long seed, boolean shuffle) {
        if (samples < 1) {
            throw new IllegalArgumentException("samples : " + samples + " (expected: >= 1)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize : " + batchSize + " (expected: >= 1)");
        }
        this.samples = samples;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.batchesPerEpoch = (int) (((long) samples + batchSize - 1) / batchSize);
        this.order = new int[samples];
    }

    /** Batches of {@code batchSize} from {@code samples} samples, in a new order every epoch derived from {@code seed}. */
    public static BatchSchedule shuffled(int samples, int batchSize, long seed) {
        return new BatchSchedule(samples, batchSize, seed, true);
    }

    /** Batches of {@code batchSize} from {@code samples} samples, in file order every epoch. */
    public static BatchSchedule inOrder(int samples, int batchSize) {
        return new BatchSchedule(samples, batchSize, 0, false);
    }

    /** Number of samples, N. */
    public int samples() {
        return samples;
    }

    /** The size of every batch but possibly the last of each epoch. */
    public int batchSize() {
        return batchSize;
    }

    /** Whether each epoch has its own shuffled order (else file order). */
    public boolean shuffles() {
        return shuffle;
    }

    /** The run seed (0 and unused without shuffling). */
    public long seed() {
        return seed;
    }

    /** {@code ⌈N / batch⌉}: the number of batches, and so of steps, in one epoch. */
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    /** The epoch that step {@code step} (from 0) belongs to: {@code ⌊step / batchesPerEpoch⌋}. */
    public long epochOf(long step) {
        return checkStep(step) / batchesPerEpoch;
    }

    /** The position of step {@code step}'s batch within its epoch: {@code step mod batchesPerEpoch}. */
    public int batchOf(long step) {
        return (int) (checkStep(step) % batchesPerEpoch);
    }

    /** The number of samples in step {@code step}'s batch: {@code batchSize}, or less for the last batch of an epoch. */
    public int sizeOf(long step) {
        int start = batchOf(step) * batchSize;
        return Math.min(batchSize, samples - start);
    }

    /** A new array holding the sample indices of step {@code step}'s batch. */
    public int[] indicesFor(long step) {
        int[] out = new int[sizeOf(step)];
        indicesFor(step, out);
        return out;
    }

    /**
     * Writes the sample indices of step {@code step}'s batch into the start of {@code out} and
     * returns how many there are; for trainers that reuse one buffer of {@code batchSize()} ints.
     */
    public int indicesFor(long step, int[] out) {
        int count = sizeOf(step);
        if (out.length < count) {
            throw new IllegalArgumentException("out holds " + out.length + " ints (expected: >= " + count
                    + " for step " + step + ")");
        }
        int[] epochOrder = orderOf(epochOf(step));
        System.arraycopy(epochOrder, batchOf(step) * batchSize, out, 0, count);
        return count;
    }

    /** A copy of the order in which epoch {@code epoch} visits the samples. */
    public int[] epochOrder(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch : " + epoch + " (expected: >= 0)");
        }
        return Arrays.copyOf(orderOf(epoch), samples);
    }

    /** How many epoch orders have been computed so far (the cache at work); for tests. */
    int ordersComputed() {
        return ordersComputed;
    }

    private int[] orderOf(long epoch) {
        if (epoch != cachedEpoch) {
            if (shuffle) {
                EpochShuffle.permute(order, seed, epoch);
            } else if (cachedEpoch < 0) {
                for (int i = 0; i < samples; i++) {
                    order[i] = i;
                }
            }
            cachedEpoch = epoch;
            ordersComputed++;
        }
        return order;
    }

    private static long checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step : " + step + " (expected: >= 0)");
        }
        return step;
    }
}
