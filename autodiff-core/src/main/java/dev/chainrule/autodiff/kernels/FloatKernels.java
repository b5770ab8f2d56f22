package dev.chainrule.autodiff.kernels;

import java.nio.FloatBuffer;

/**
 * Elementwise float32 loops over direct buffers that the JIT compiles without branches. A data-
 * dependent {@code x > 0 ? a : b} per element costs a mispredicted branch about half the time on
 * activations (≈ 3 ns per element here); these loops select with a bit mask instead.
 */
public final class FloatKernels {
    private FloatKernels() {
    }

    /** out[i] = x[i] when x[i] > 0, else +0 (also for NaN), for i < n. */
    public static void relu(FloatBuffer x, FloatBuffer out, int n) {
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(x.get(i));
            out.put(i, Float.intBitsToFloat(bits & positiveMask(bits)));
        }
    }

    /** out[i] = g[i] when x[i] > 0, else +0 (ReLU's backward), for i < n. */
    public static void reluBackward(FloatBuffer x, FloatBuffer g, FloatBuffer out, int n) {
        for (int i = 0; i < n; i++) {
            int mask = positiveMask(Float.floatToRawIntBits(x.get(i)));
            out.put(i, Float.intBitsToFloat(Float.floatToRawIntBits(g.get(i)) & mask));
        }
    }

    /**
     * True when {@code x * (1 / divisor)} is exactly {@code x / divisor} for every float x: the
     * divisor is a positive normal power of two (a batch of 32, 128, …), so its reciprocal is a float
     * and both are the correctly rounded value of the same real number. Loops that divide many
     * elements by one divisor multiply instead, at a fraction of a division's cost.
     */
    public static boolean hasExactReciprocal(float divisor) {
        int bits = Float.floatToRawIntBits(divisor);
        int exponent = Math.getExponent(divisor);
        return divisor > 0 && exponent >= Float.MIN_EXPONENT && exponent <= Float.MAX_EXPONENT && (bits & 0x007fffff) == 0;
    }

    /**
     * All ones when the float with these bits is greater than zero, else all zeros. Floats greater
     * than zero are exactly the bit patterns 1 … 0x7f800000 (the smallest subnormal up to +∞): below
     * lie +0 and (as negative ints, or 0x80000000 for −0) the negative floats, above lie the NaNs.
     */
    static int positiveMask(int bits) {
        return ~(((bits - 1) | (0x7f800000 - bits)) >> 31);
    }
}
