package dev.chainrule.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchScheduleTest {

    @Test
    void eachEpochIsAPermutation() {
        for (int n : new int[] {1, 2, 10, 1000}) {
            for (long epoch = 0; epoch < 3; epoch++) {
                int[] order = EpochShuffle.permutation(n, 42, epoch);
                int[] sorted = order.clone();
                Arrays.sort(sorted);
                for (int i = 0; i < n; i++) {
                    assertEquals(i, sorted[i], "n=" + n + " epoch=" + epoch);
                }
            }
        }
        assertEquals(0, EpochShuffle.permutation(0, 1, 0).length);
    }

    @Test
    void reproducibleForSeedAndEpochAndDifferentAcrossEither() {
        int[] e0 = EpochShuffle.permutation(100, 7, 0);
        assertArrayEquals(e0, EpochShuffle.permutation(100, 7, 0));
        assertArrayEquals(e0, BatchSchedule.shuffled(100, 8, 7).epochOrder(0));
        assertFalse(Arrays.equals(e0, EpochShuffle.permutation(100, 7, 1)));
        assertFalse(Arrays.equals(e0, EpochShuffle.permutation(100, 8, 0)));
        assertFalse(Arrays.equals(EpochShuffle.permutation(100, 7, 1), EpochShuffle.permutation(100, 8, 0)));
        int[] identity = new int[100];
        Arrays.setAll(identity, i -> i);
        assertFalse(Arrays.equals(identity, e0));
    }

    @Test
    void followsTheDocumentedDerivation() {
        long seed = 1234;
        long epoch = 5;
        long z = mix64(mix64(seed) ^ epoch);
        assertEquals(z, EpochShuffle.epochSeed(seed, epoch));
        SplittableRandom random = new SplittableRandom(z);
        int[] expected = {0, 1, 2, 3, 4, 5, 6};
        for (int i = expected.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = expected[i];
            expected[i] = expected[j];
            expected[j] = t;
        }
        assertArrayEquals(expected, EpochShuffle.permutation(7, seed, epoch));
    }

    /** SplitMix64's finaliser, written out independently of the class under test. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Test
    void noShuffleKeepsFileOrder() {
        BatchSchedule schedule = BatchSchedule.inOrder(10, 4);
        assertArrayEquals(new int[] {0, 1, 2, 3}, schedule.indicesFor(0));
        assertArrayEquals(new int[] {8, 9}, schedule.indicesFor(2));
        assertArrayEquals(new int[] {0, 1, 2, 3}, schedule.indicesFor(3));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, schedule.epochOrder(7));
    }

    @Test
    void keepsTheLastPartialBatch() {
        BatchSchedule schedule = BatchSchedule.shuffled(10, 4, 3);
        assertEquals(3, schedule.batchesPerEpoch());
        int[] sizes = new int[3];
        int[] seen = new int[10];
        for (int s = 0; s < 3; s++) {
            int[] batch = schedule.indicesFor(s);
            sizes[s] = batch.length;
            assertEquals(batch.length, schedule.sizeOf(s));
            for (int i : batch) {
                seen[i]++;
            }
        }
        assertArrayEquals(new int[] {4, 4, 2}, sizes);
        int[] once = new int[10];
        Arrays.fill(once, 1);
        assertArrayEquals(once, seen, "every sample exactly once per epoch");
        assertEquals(1, BatchSchedule.inOrder(10, 10).batchesPerEpoch());
        assertEquals(1, BatchSchedule.inOrder(10, 64).batchesPerEpoch());
        assertEquals(10, BatchSchedule.inOrder(10, 64).indicesFor(0).length);
        assertEquals(10, BatchSchedule.inOrder(10, 1).batchesPerEpoch());
    }

    @Test
    void mapsStepsToEpochAndBatchAcrossAnEpochBoundary() {
        BatchSchedule schedule = BatchSchedule.shuffled(10, 4, 99);
        int[] epoch0 = schedule.epochOrder(0);
        int[] epoch1 = schedule.epochOrder(1);
        long[] steps = {0, 1, 2, 3, 4, 5, 6};
        long[] epochs = {0, 0, 0, 1, 1, 1, 2};
        int[] batches = {0, 1, 2, 0, 1, 2, 0};
        for (int k = 0; k < steps.length; k++) {
            assertEquals(epochs[k], schedule.epochOf(steps[k]), "epoch of step " + steps[k]);
            assertEquals(batches[k], schedule.batchOf(steps[k]), "batch of step " + steps[k]);
        }
        assertArrayEquals(Arrays.copyOfRange(epoch0, 8, 10), schedule.indicesFor(2));
        assertArrayEquals(Arrays.copyOfRange(epoch1, 0, 4), schedule.indicesFor(3));
        assertArrayEquals(Arrays.copyOfRange(epoch1, 4, 8), schedule.indicesFor(4));
        assertEquals(1_000_000_000L / 3, schedule.epochOf(1_000_000_000L));
    }

    @Test
    void cachesTheCurrentEpochsOrder() {
        BatchSchedule schedule = BatchSchedule.shuffled(10, 4, 5);
        int[] buffer = new int[4];
        for (long s = 0; s < 3; s++) {
            schedule.indicesFor(s, buffer);
        }
        assertEquals(1, schedule.ordersComputed());
        assertEquals(2, schedule.indicesFor(5, buffer));
        assertEquals(2, schedule.ordersComputed());
        BatchSchedule fresh = BatchSchedule.shuffled(10, 4, 5);
        assertArrayEquals(fresh.indicesFor(5), Arrays.copyOf(buffer, 2), "the cache does not change the answer");
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchSchedule.shuffled(10, 0, 1));
        assertEquals("batchSize : 0 (expected: >= 1)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BatchSchedule.inOrder(0, 4));
        assertThrows(IllegalArgumentException.class, () -> BatchSchedule.inOrder(10, 4).indicesFor(-1));
        assertThrows(IllegalArgumentException.class, () -> BatchSchedule.inOrder(10, 4).indicesFor(0, new int[3]));
        assertThrows(IllegalArgumentException.class, () -> BatchSchedule.inOrder(10, 4).epochOrder(-1));
    }
}
