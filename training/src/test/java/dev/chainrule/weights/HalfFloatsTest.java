package dev.chainrule.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The 16-bit conversions, against the definition of the formats and a few known bit patterns. */
class HalfFloatsTest {
    /** Every half-precision bit pattern, against the textbook formula evaluated in double precision. */
    @Test
    void f16MatchesTheDefinitionForAll65536Patterns() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int sign = bits >>> 15;
            int exponent = (bits >>> 10) & 0x1f;
            int mantissa = bits & 0x3ff;
            float actual = HalfFloats.f16ToFloat((short) bits);
            if (exponent == 0x1f && mantissa != 0) {
                assertTrue(Float.isNaN(actual), Integer.toHexString(bits));
                assertEquals(mantissa << 13, Float.floatToRawIntBits(actual) & 0x7f_ffff, "NaN payload of " + Integer.toHexString(bits));
                assertEquals(sign, Float.floatToRawIntBits(actual) >>> 31, "NaN sign of " + Integer.toHexString(bits));
                continue;
            }
            double magnitude = exponent == 0x1f ? Double.POSITIVE_INFINITY
                    : exponent == 0 ? Math.scalb((double) mantissa, -24)
                    : Math.scalb(1.0 + mantissa / 1024.0, exponent - 15);
            float expected = (float) (sign == 1 ? -magnitude : magnitude);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                    Integer.toHexString(bits) + ": expected " + expected + " but got " + actual);
        }
    }

    @Test
    void f16KnownValues() {
        assertEquals(1.0f, HalfFloats.f16ToFloat(0x3c00));
        assertEquals(-2.0f, HalfFloats.f16ToFloat(0xc000));
        assertEquals(65504.0f, HalfFloats.f16ToFloat(0x7bff));
        assertEquals(0x1p-24f, HalfFloats.f16ToFloat(0x0001));
        assertEquals(0x1p-14f, HalfFloats.f16ToFloat(0x0400));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(HalfFloats.f16ToFloat(0x8000)));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.f16ToFloat(0xfc00));
    }

    @Test
    void bf16IsTheTopHalfOfAFloat32() {
        assertEquals(1.0f, HalfFloats.bf16ToFloat(0x3f80));
        assertEquals(-2.0f, HalfFloats.bf16ToFloat((short) 0xc000));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(HalfFloats.bf16ToFloat(0x8000)));
        assertEquals(Float.intBitsToFloat(0x0001_0000), HalfFloats.bf16ToFloat(0x0001)); // subnormal
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.bf16ToFloat(0x7f80));
        assertEquals(0x7fc1_0000, Float.floatToRawIntBits(HalfFloats.bf16ToFloat(0x7fc1)));
    }
}
