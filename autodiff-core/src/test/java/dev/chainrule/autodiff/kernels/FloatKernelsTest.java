package dev.chainrule.autodiff.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The branch-free loops give exactly what their plain definitions give, special values included. */
class FloatKernelsTest {
    private static final float[] SPECIAL = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1f, -1f,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.intBitsToFloat(0x7fc00001), Float.intBitsToFloat(0xffc00000), Float.intBitsToFloat(0x7f800001)};

    @Test
    void positiveMaskIsExactlyGreaterThanZero() {
        for (float x : SPECIAL) {
            assertEquals(x > 0 ? -1 : 0, FloatKernels.positiveMask(Float.floatToRawIntBits(x)), "x = " + x);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1_000_000; i++) {
            int bits = random.nextInt();
            assertEquals(Float.intBitsToFloat(bits) > 0 ? -1 : 0, FloatKernels.positiveMask(bits), "bits " + Integer.toHexString(bits));
        }
    }

    @Test
    void reluAndItsBackwardSelectByTheSignOfX() {
        FloatBuffer x = buffer(SPECIAL);
        FloatBuffer g = buffer(new float[SPECIAL.length]);
        for (int i = 0; i < SPECIAL.length; i++) {
            g.put(i, -3.5f - i);
        }
        FloatBuffer y = buffer(new float[SPECIAL.length]);
        FloatBuffer dx = buffer(new float[SPECIAL.length]);
        FloatKernels.relu(x, y, SPECIAL.length);
        FloatKernels.reluBackward(x, g, dx, SPECIAL.length);
        for (int i = 0; i < SPECIAL.length; i++) {
            float xi = SPECIAL[i];
            assertEquals(Float.floatToRawIntBits(xi > 0 ? xi : 0f), Float.floatToRawIntBits(y.get(i)), "relu(" + xi + ")");
            assertEquals(Float.floatToRawIntBits(xi > 0 ? g.get(i) : 0f), Float.floatToRawIntBits(dx.get(i)), "relu'(" + xi + ")");
        }
    }

    @Test
    void multiplyingByAnExactReciprocalGivesTheBitsOfADivision() {
        SplittableRandom random = new SplittableRandom(11);
        float[] values = new float[4096];
        for (int i = 0; i < values.length; i++) {
            values[i] = Float.intBitsToFloat(random.nextInt()); // every exponent, subnormals and NaNs included
        }
        for (float divisor : new float[] {1, 2, 32, 128, 256, 512, 0.5f, 0x1p-126f, 0x1p127f}) {
            assertTrue(FloatKernels.hasExactReciprocal(divisor), "divisor " + divisor);
            float reciprocal = 1f / divisor;
            for (float v : values) {
                assertEquals(Float.floatToIntBits(v / divisor), Float.floatToIntBits(v * reciprocal), v + " / " + divisor);
            }
        }
        for (float divisor : new float[] {3, 100, 384, 7e-3f, 0x1p-140f, 0, -2, Float.POSITIVE_INFINITY, Float.NaN}) {
            assertFalse(FloatKernels.hasExactReciprocal(divisor), "divisor " + divisor);
        }
    }

    private static FloatBuffer buffer(float[] values) {
        FloatBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(0, values);
        return b;
    }
}
