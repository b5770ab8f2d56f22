package dev.chainrule.weights;

/** Exact widening of the 16-bit float formats (IEEE half precision and bfloat16) to float32. */
final class HalfFloats {
    private HalfFloats() {
    }

    /**
     * The float32 equal to the IEEE 754 half-precision value with these bits (the low 16 bits of
     * {@code bits}): normals and subnormals exactly, ±0, ±infinity, and NaN with its payload shifted
     * into the float32 mantissa.
     */
    static float f16ToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // zero or subnormal: mantissa * 2^-24, exact in float32
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        // rebias the exponent from 15 to 127
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** The float32 whose top 16 bits are the bfloat16 {@code bits} (the low 16 bits) and whose low 16 bits are zero. */
    static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
