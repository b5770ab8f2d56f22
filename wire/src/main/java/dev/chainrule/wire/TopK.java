package dev.chainrule.wire;

import java.util.Arrays;

/**
 * Selects the k elements of largest magnitude of an array, ties at the threshold going to the lower
 * index, in O(n): a radix select for the k-th largest magnitude on the bits of |x|, which order like
 * the magnitudes (NaN above +Inf), then one pass in index order. Its scratch arrays grow to the
 * largest n seen and are reused, so a steady state allocates nothing. Not thread-safe.
 */
final class TopK {
    /**
     * Radix digits of the 31 magnitude bits, most significant first: the exponent and 3 fraction
     * bits, so that few elements share the threshold's first digit, then 10 and 10 fraction bits.
     */
    private static final int[] SHIFTS = {20, 10, 0};
    private static final int[] MASKS = {0x7ff, 0x3ff, 0x3ff};
    private final int[] histogram = new int[1 << 11];
    private int[] magnitudes = new int[0];
    private int[] candidates = new int[0];
    private int[] selected = new int[0];

    /**
     * The indices of the {@code k} elements of {@code values[0, n)} of largest magnitude, ascending,
     * in {@code [0, k)} of the returned array (which this selector reuses on its next call).
     */
    int[] select(float[] values, int n, int k) {
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("k : " + k + " (expected: 0 <= k <= " + n + ")");
        }
        grow(n);
        Arrays.fill(histogram, 0);
        for (int i = 0; i < n; i++) {
            int m = Float.floatToRawIntBits(values[i]) & 0x7fffffff;
            magnitudes[i] = m;
            histogram[m >>> SHIFTS[0]]++;
        }
        int threshold = 0;
        int atThreshold = k; // how many elements whose magnitude is the threshold to take, lowest index first
        if (k > 0 && k < n) {
            int[] source = magnitudes; // the first digit's candidates are all the elements
            int count = n;
            for (int d = 0; ; d++) {
                int digit = MASKS[d];
                while (histogram[digit] < atThreshold) { // the k-th largest lies in a lower bucket
                    atThreshold -= histogram[digit--];
                }
                threshold |= digit << SHIFTS[d];
                if (d + 1 == SHIFTS.length) {
                    break;
                }
                count = keep(source, count, SHIFTS[d], MASKS[d], digit, SHIFTS[d + 1], MASKS[d + 1]);
                source = candidates;
            }
        }
        int kept = 0;
        for (int i = 0; i < n && kept < k; i++) {
            int m = magnitudes[i];
            if (m > threshold || m == threshold && atThreshold-- > 0) {
                selected[kept++] = i;
            }
        }
        return selected;
    }

    /**
     * Moves to the front of the candidates those of {@code source[0, count)} whose digit at
     * {@code shift} is {@code digit}, counting their next digits in the histogram; returns how many.
     */
    private int keep(int[] source, int count, int shift, int mask, int digit, int nextShift, int nextMask) {
        Arrays.fill(histogram, 0);
        int kept = 0;
        for (int i = 0; i < count; i++) {
            int m = source[i];
            if ((m >>> shift & mask) == digit) {
                candidates[kept++] = m;
                histogram[m >>> nextShift & nextMask]++;
            }
        }
        return kept;
    }

    private void grow(int n) {
        if (magnitudes.length < n) {
            magnitudes = new int[n];
            candidates = new int[n];
            selected = new int[n];
        }
    }
}
