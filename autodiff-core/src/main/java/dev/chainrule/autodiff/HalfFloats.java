package dev.chainrule.autodiff;

/**
 * float32 ⇄ the 16-bit float formats IEEE 754 binary16 (float16) and bfloat16, for the wire's
 * FLOAT16 and BFLOAT16 encodings and safetensors' F16 and BF16 tensors. Encoding rounds to nearest,
 * ties to even, subnormals included; a finite value never becomes infinite (beyond the format's
 * largest finite value it saturates to it); ±Inf stays ±Inf, NaN stays NaN. Decoding is exact,
 * and a NaN keeps its sign and its payload, shifted to the top of the float's fraction. Half values
 * are the 16 bits of a {@code short}.
 */
public final class HalfFloats {
    /** float bits of 2^-14, binary16's smallest normal value. */
    private static final int FLOAT16_MIN_NORMAL = 0x38800000;
    /** Exponent bias difference (127 - 15) in place in a float's bits. */
    private static final int REBIAS = (127 - 15) << 23;
    /** float bits of 0.5: adding it to a value below 2^-14 rounds that value to a multiple of 2^-24. */
    private static final int HALF = 0x3f000000;
    private static final int FLOAT16_MAX = 0x7bff;
    private static final int BFLOAT16_MAX = 0x7f7f;

    private HalfFloats() {
    }

    /**
     * The binary16 nearest {@code value}. Finite values take no data-dependent branch: both the
     * subnormal and the normal result are computed and a mask picks one, as gradients mix the two
     * unpredictably (zeros are subnormal here).
     */
    public static short floatToFloat16Bits(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) { // ±Inf, or NaN with a non-zero fraction (its top bits, else the quiet bit)
            int fraction = (abs >>> 13) & 0x3ff;
            return (short) (sign | 0x7c00 | (abs == 0x7f800000 || fraction != 0 ? fraction : 0x200));
        }
        // below 2^-14: the FPU rounds the value to a multiple of 2^-24 when adding 0.5 (whose ulp that is)
        int subnormal = Float.floatToRawIntBits(Float.intBitsToFloat(abs) + 0.5f) - HALF;
        // from 2^-14: drop 13 fraction bits, rounding to even; a carry moves into the exponent
        int normal = Math.min((abs - REBIAS + 0xfff + ((abs >>> 13) & 1)) >>> 13, FLOAT16_MAX);
        int below = (abs - FLOAT16_MIN_NORMAL) >> 31; // all ones below 2^-14
        return (short) (sign | subnormal & below | normal & ~below);
    }

    /** The float value of a binary16, exactly; finite halves, like the encoder, without a data-dependent branch. */
    public static float float16BitsToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int abs = half & 0x7fff;
        if (abs >= 0x7c00) { // ±Inf or NaN: the fraction moves to the top of the float's
            return Float.intBitsToFloat(sign | 0x7f800000 | (abs & 0x3ff) << 13);
        }
        int normal = (abs << 13) + REBIAS;
        // subnormal: (1 + fraction/1024)·2^-14 - 2^-14 = fraction·2^-24, exactly
        int subnormal = Float.floatToRawIntBits(Float.intBitsToFloat((abs << 13) + FLOAT16_MIN_NORMAL) - 0x1p-14f);
        int below = (abs - 0x400) >> 31; // all ones for a subnormal half
        return Float.intBitsToFloat(sign | subnormal & below | normal & ~below);
    }

    /** The bfloat16 nearest {@code value}: its top 16 bits, rounded. */
    public static short floatToBFloat16Bits(float value) {
        int bits = Float.floatToRawIntBits(value);
        int abs = bits & 0x7fffffff;
        int half;
        if (abs > 0x7f800000) { // NaN: keep its top bits, and a non-zero fraction
            half = (abs >>> 16 & 0x7f) != 0 ? abs >>> 16 : abs >>> 16 | 0x40;
        } else if (abs == 0x7f800000) {
            half = abs >>> 16;
        } else { // drop 16 fraction bits, rounding to even; a carry moves into the exponent
            half = Math.min((abs + 0x7fff + ((abs >>> 16) & 1)) >>> 16, BFLOAT16_MAX);
        }
        return (short) ((bits >>> 16) & 0x8000 | half);
    }

    /** The float whose top 16 bits are the bfloat16 {@code half} and whose low 16 bits are zero: its value, exactly. */
    public static float bfloat16BitsToFloat(short half) {
        return Float.intBitsToFloat(half << 16);
    }
}
