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
     * out[i] = x[i] / divisor for i < n. When the divisor is a power of two (a batch of 32, 128, …)
     * this multiplies by its reciprocal instead, which is exact and gives the same bits, at a
     * fraction of a division's cost. {@code x} may be {@code out}.
     */
    public static void divide(FloatBuffer x, float divisor, FloatBuffer out, int n) {
        float reciprocal = 1f / divisor;
        if (Math.getExponent(divisor) >= Float.MIN_EXPONENT && Math.getExponent(divisor) < Float.MAX_EXPONENT
                && divisor == Math.scalb(1f, Math.getExponent(divisor))) {
            for (int i = 0; i < n; i++) {
                out.put(i, x.get(i) * reciprocal);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out.put(i, x.get(i) / divisor);
            }
        }
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
