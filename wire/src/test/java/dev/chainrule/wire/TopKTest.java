package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The radix selection against sorting: exactly the k largest magnitudes, ties to the lower index, indices ascending. */
class TopKTest {

    /** The reference: sort the indices by magnitude (descending), then index, take k, sort them. */
    static int[] bySorting(float[] values, int k) {
        return IntStream.range(0, values.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -Math.abs(values[i])).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
    }

    private static int[] select(TopK topK, float[] values, int k) {
        return Arrays.copyOf(topK.select(values, values.length, k), k);
    }

    @Test
    void picksTheSameSetAsSortingOnRandomDataWithManyTies() {
        SplittableRandom random = new SplittableRandom(7);
        TopK topK = new TopK(); // one selector for all: scratch arrays reused across sizes, larger then smaller
        for (int trial = 0; trial < 300; trial++) {
            int n = trial % 3 == 0 ? 1 + random.nextInt(5000) : 1 + random.nextInt(40);
            float[] values = new float[n];
            int distinct = 1 + random.nextInt(8); // few distinct magnitudes: ties at the threshold are the rule
            int bits = 0; // or magnitudes that differ only in a few random bits, wherever the radix digits are
            for (int b = 0; b < 6; b++) {
                bits |= 1 << random.nextInt(30); // not bit 30: finite magnitudes only, which the sort orders like the selector
            }
            for (int i = 0; i < n; i++) {
                float magnitude = switch (trial % 3) {
                    case 0 -> random.nextInt(distinct) * 0.25f;
                    case 1 -> Float.intBitsToFloat(0x3f800000 ^ random.nextInt() & bits);
                    default -> (float) random.nextGaussian();
                };
                values[i] = random.nextBoolean() ? magnitude : -magnitude;
            }
            int k = random.nextInt(n + 1);
            assertArrayEquals(bySorting(values, k), select(topK, values, k), "n " + n + ", k " + k + ", trial " + trial);
        }
    }

    @Test
    void magnitudesThatDifferOnlyInTheLastBitsAreOrdered() {
        float[] values = {1f, -Math.nextUp(1f), Math.nextUp(Math.nextUp(1f)), -1f, Float.MIN_VALUE, 0f, -0f, 2 * Float.MIN_VALUE};
        TopK topK = new TopK();
        for (int k = 0; k <= values.length; k++) {
            assertArrayEquals(bySorting(values, k), select(topK, values, k), "k " + k);
        }
    }

    @Test
    void equalValuesGoToTheLowestIndices() {
        float[] values = new float[1000];
        Arrays.fill(values, 0.5f);
        assertArrayEquals(IntStream.range(0, 10).toArray(), select(new TopK(), values, 10));
    }

    @Test
    void nanAndInfinityNeitherCrashNorLoop() {
        float[] values = {1f, Float.NaN, -Float.POSITIVE_INFINITY, 3f, Float.intBitsToFloat(0xffc00001), 2f};
        TopK topK = new TopK();
        assertArrayEquals(new int[] {1, 4}, select(topK, values, 2), "NaN bits above Inf's");
        int[] three = select(topK, values, 3);
        assertArrayEquals(new int[] {1, 2, 4}, three);
        assertEquals(6, select(topK, values, 6).length);
    }

    @Test
    void kOutsideZeroToNIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TopK().select(new float[4], 4, 5));
        assertEquals("k : 5 (expected: 0 <= k <= 4)", e.getMessage());
    }

    @Test
    void aLargeTensorSelectsInLinearTimeWithoutNewScratch() {
        SplittableRandom random = new SplittableRandom(3);
        float[] values = new float[200_704];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        TopK topK = new TopK();
        int[] first = topK.select(values, values.length, 2008);
        assertArrayEquals(bySorting(values, 2008), Arrays.copyOf(first, 2008));
        assertTrue(first == topK.select(values, values.length, 2008), "the same scratch array on the next call");
    }
}
