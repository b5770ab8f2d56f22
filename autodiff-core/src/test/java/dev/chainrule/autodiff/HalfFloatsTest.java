package dev.chainrule.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The half conversions against a plain reference: decoding by the formats' formulas, encoding by
 * double arithmetic (scale to whole units in the last place, {@link Math#rint} for ties to even).
 */
class HalfFloatsTest {
    private static final double FLOAT16_MAX = 65504;
    private static final double BFLOAT16_MAX = 0x1.fep127;

    /** The binary16 value nearest {@code v} >= 0, ties to even; beyond the largest, the largest. */
    private static double nearestFloat16(double v) {
        if (v >= FLOAT16_MAX) {
            return FLOAT16_MAX;
        }
        double ulp = Math.scalb(1.0, Math.max(Math.getExponent(v), -14) - 10);
        return Math.rint(v / ulp) * ulp;
    }

    /** The bfloat16 value nearest {@code v} >= 0 (finite), ties to even; beyond the largest, the largest. */
    private static double nearestBFloat16(double v) {
        double ulp = Math.scalb(1.0, Math.max(Math.getExponent(v), -126) - 7);
        return Math.min(Math.rint(v / ulp) * ulp, BFLOAT16_MAX);
    }

    /** Encoding then decoding {@code f} gives the reference's value with f's sign (±Inf itself, NaN a NaN). */
    private static void check(int floatBits, float decoded, DoubleUnaryOperator nearest, String format) {
        float f = Float.intBitsToFloat(floatBits);
        int expected = Float.isFinite(f) ? bits(Math.copySign((float) nearest.applyAsDouble(Math.abs(f)), f)) : floatBits;
        if (Float.isNaN(f) ? !Float.isNaN(decoded) : bits(decoded) != expected) {
            assertEquals(Integer.toHexString(expected), Integer.toHexString(bits(decoded)), format + " of " + f + " (bits "
                    + Integer.toHexString(floatBits) + ")");
        }
    }

    private static void checkFloat16(int floatBits) {
        check(floatBits, HalfFloats.float16BitsToFloat(HalfFloats.floatToFloat16Bits(Float.intBitsToFloat(floatBits))),
                HalfFloatsTest::nearestFloat16, "float16");
    }

    private static void checkBFloat16(int floatBits) {
        check(floatBits, HalfFloats.bfloat16BitsToFloat(HalfFloats.floatToBFloat16Bits(Float.intBitsToFloat(floatBits))),
                HalfFloatsTest::nearestBFloat16, "bfloat16");
    }

    private static int bits(float f) {
        return Float.floatToRawIntBits(f);
    }

    @Test
    void everyFloat16DecodesByTheFormulaAndRoundTripsExactly() {
        for (int h = 0; h < 1 << 16; h++) {
            int exponent = h >>> 10 & 0x1f;
            int fraction = h & 0x3ff;
            double magnitude = exponent == 0 ? fraction * 0x1p-24 : Math.scalb(1 + fraction / 1024.0, exponent - 15);
            float value = HalfFloats.float16BitsToFloat((short) h);
            if (exponent == 0x1f) {
                assertTrue(fraction == 0 ? Float.isInfinite(value) : Float.isNaN(value), Integer.toHexString(h));
            } else {
                assertEquals((h & 0x8000) != 0 ? -magnitude : magnitude, value, Integer.toHexString(h));
                assertEquals(h >>> 15, bits(value) >>> 31, "sign of " + Integer.toHexString(h));
            }
            assertEquals(h, HalfFloats.floatToFloat16Bits(value) & 0xffff, "round trip of " + Integer.toHexString(h));
        }
    }

    @Test
    void everyBFloat16DecodesToItsUpperBitsAndRoundTripsExactly() {
        for (int h = 0; h < 1 << 16; h++) {
            float value = HalfFloats.bfloat16BitsToFloat((short) h);
            assertEquals(h << 16, bits(value));
            assertEquals(h, HalfFloats.floatToBFloat16Bits(value) & 0xffff, "round trip of " + Integer.toHexString(h));
        }
    }

    /** Every positive float from 2^-25 to just below 2^17 (binary16's range and a binade beyond either end), negatives and the rest sampled. */
    @Test
    void float16EncodingMatchesTheReferenceOnTheWholeRangeAndBeyond() {
        for (int b = 102 << 23; b < 144 << 23; b++) {
            checkFloat16(b);
        }
        for (int b = 102 << 23; b < 144 << 23; b += 101) {
            checkFloat16(b | 0x80000000);
        }
        SplittableRandom random = new SplittableRandom(16);
        for (int i = 0; i < 4_000_000; i++) {
            checkFloat16(random.nextInt());
        }
    }

    @Test
    void float16EncodingMatchesTheReferenceAtEveryRoundingBoundary() {
        for (int h = 0; h < 0x7bff; h++) { // midpoints between consecutive finite halves, exact in float, and their neighbours
            float mid = (float) ((HalfFloats.float16BitsToFloat((short) h) + (double) HalfFloats.float16BitsToFloat((short) (h + 1))) / 2);
            for (float f : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                checkFloat16(bits(f));
                checkFloat16(bits(-f));
            }
        }
    }

    @Test
    void float16SpecialValues() {
        assertEquals(0x0000, HalfFloats.floatToFloat16Bits(0f));
        assertEquals((short) 0x8000, HalfFloats.floatToFloat16Bits(-0f));
        assertEquals(0x0001, HalfFloats.floatToFloat16Bits(0x1p-24f), "smallest subnormal");
        assertEquals(0x0000, HalfFloats.floatToFloat16Bits(0x1p-25f), "half the smallest subnormal: a tie, to even 0");
        assertEquals(0x0001, HalfFloats.floatToFloat16Bits(Math.nextUp(0x1p-25f)));
        assertEquals(0x0002, HalfFloats.floatToFloat16Bits(0x1.8p-24f), "1.5 units: a tie, to even 2");
        assertEquals(0x03ff, HalfFloats.floatToFloat16Bits(0x1.ff8p-15f), "largest subnormal");
        assertEquals(0x0400, HalfFloats.floatToFloat16Bits(0x1.ffcp-15f), "rounds up into the smallest normal");
        assertEquals(0x7bff, HalfFloats.floatToFloat16Bits(65504f), "largest");
        assertEquals(0x7bff, HalfFloats.floatToFloat16Bits(65519.996f));
        assertEquals(0x7bff, HalfFloats.floatToFloat16Bits(65520f), "would round to Inf: saturates");
        assertEquals(0x7bff, HalfFloats.floatToFloat16Bits(1e10f));
        assertEquals((short) 0xfbff, HalfFloats.floatToFloat16Bits(-Float.MAX_VALUE));
        assertEquals(0x7c00, HalfFloats.floatToFloat16Bits(Float.POSITIVE_INFINITY));
        assertEquals((short) 0xfc00, HalfFloats.floatToFloat16Bits(Float.NEGATIVE_INFINITY));
        for (int nan : new int[] {0x7fc00000, 0x7f800001, 0x7f801fff, 0xffffffff, 0x7fa00000}) {
            assertTrue(Float.isNaN(HalfFloats.float16BitsToFloat(HalfFloats.floatToFloat16Bits(Float.intBitsToFloat(nan)))),
                    Integer.toHexString(nan));
        }
    }

    @Test
    void bfloat16EncodingMatchesTheReferenceAtEveryRoundingBoundaryAndOnMillionsOfFloats() {
        for (int h = 0; h < 0x7f7f; h++) { // the midpoint after every finite positive bfloat16 and its neighbours, both signs
            int mid = h << 16 | 0x8000;
            for (int b : new int[] {mid, mid - 1, mid + 1, h << 16}) {
                checkBFloat16(b);
                checkBFloat16(b | 0x80000000);
            }
        }
        SplittableRandom random = new SplittableRandom(16);
        for (int i = 0; i < 8_000_000; i++) {
            checkBFloat16(random.nextInt());
        }
        for (int b = 0; b < 1 << 23; b++) { // every subnormal float
            checkBFloat16(b);
        }
    }

    @Test
    void bfloat16SpecialValues() {
        assertEquals(0x0000, HalfFloats.floatToBFloat16Bits(0f));
        assertEquals((short) 0x8000, HalfFloats.floatToBFloat16Bits(-0f));
        assertEquals(0x3f80, HalfFloats.floatToBFloat16Bits(1f));
        assertEquals(0x3f80, HalfFloats.floatToBFloat16Bits(Float.intBitsToFloat(0x3f808000)), "a tie, to even");
        assertEquals(0x3f82, HalfFloats.floatToBFloat16Bits(Float.intBitsToFloat(0x3f818000)), "a tie, to even");
        assertEquals(0x7f7f, HalfFloats.floatToBFloat16Bits(Float.MAX_VALUE), "would round to Inf: saturates");
        assertEquals((short) 0xff7f, HalfFloats.floatToBFloat16Bits(-Float.MAX_VALUE));
        assertEquals(0x7f80, HalfFloats.floatToBFloat16Bits(Float.POSITIVE_INFINITY));
        assertEquals(0x0080, HalfFloats.floatToBFloat16Bits(Float.intBitsToFloat(0x007fffff)), "largest subnormal rounds up to the smallest normal");
        for (int nan : new int[] {0x7fc00000, 0x7f800001, 0x7f80ffff, 0xffffffff}) {
            assertTrue(Float.isNaN(HalfFloats.bfloat16BitsToFloat(HalfFloats.floatToBFloat16Bits(Float.intBitsToFloat(nan)))),
                    Integer.toHexString(nan));
        }
    }

    @Test
    void float16DecodingKnownValuesAndNaNPayloads() {
        assertEquals(1.0f, HalfFloats.float16BitsToFloat((short) 0x3c00));
        assertEquals(-2.0f, HalfFloats.float16BitsToFloat((short) 0xc000));
        assertEquals(65504.0f, HalfFloats.float16BitsToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, HalfFloats.float16BitsToFloat((short) 0x0001));
        assertEquals(0x1p-14f, HalfFloats.float16BitsToFloat((short) 0x0400));
        assertEquals(bits(-0.0f), bits(HalfFloats.float16BitsToFloat((short) 0x8000)));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.float16BitsToFloat((short) 0xfc00));
        for (int h = 0x7c01; h < 1 << 16; h += h == 0x7fff ? 0x7c02 : 1) { // every NaN, both signs
            float value = HalfFloats.float16BitsToFloat((short) h);
            assertEquals((h & 0x3ff) << 13, bits(value) & 0x7f_ffff, "NaN payload of " + Integer.toHexString(h));
            assertEquals(h >>> 15, bits(value) >>> 31, "NaN sign of " + Integer.toHexString(h));
        }
    }

    @Test
    void bfloat16DecodingKnownValues() {
        assertEquals(1.0f, HalfFloats.bfloat16BitsToFloat((short) 0x3f80));
        assertEquals(-2.0f, HalfFloats.bfloat16BitsToFloat((short) 0xc000));
        assertEquals(bits(-0.0f), bits(HalfFloats.bfloat16BitsToFloat((short) 0x8000)));
        assertEquals(Float.intBitsToFloat(0x0001_0000), HalfFloats.bfloat16BitsToFloat((short) 0x0001), "subnormal");
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.bfloat16BitsToFloat((short) 0x7f80));
        assertEquals(0x7fc1_0000, bits(HalfFloats.bfloat16BitsToFloat((short) 0x7fc1)), "NaN payload");
    }
}
