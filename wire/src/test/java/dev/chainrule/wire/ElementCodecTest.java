package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.proto.v1.Encoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Each codec decodes what it encodes, block boundaries included, and reports NaN and ±Inf; -0.0 and subnormals keep their bits. */
class ElementCodecTest {
    /** Edge values every codec must carry: signed zeros, float32 and float16 subnormals, extremes. */
    private static final float[] EDGES = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 0x1p-24f, 0x1p-14f, 1f, -2.5f, 65504f,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_NORMAL};

    private static float[] values(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i < EDGES.length ? EDGES[i] : (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-8, 5)));
        }
        return v;
    }

    /** Encodes {@code values} with {@code codec} and decodes the bytes into a new buffer; returns it, the residual left in a copy of values. */
    private static float[] roundTrip(ElementCodec codec, float[] values, int units, float[] residual) {
        ByteBuffer bytes = ByteBuffer.allocate(units * codec.unitBytes());
        System.arraycopy(values, 0, residual, 0, values.length);
        codec.encode(residual, values.length, bytes);
        assertEquals(bytes.capacity(), bytes.position(), "every unit written");
        FloatBuffer into = FloatBuffer.allocate(values.length);
        codec.start("t", values.length, into);
        assertTrue(codec.decode(bytes.flip().order(ByteOrder.LITTLE_ENDIAN), 0, units, into));
        float[] decoded = new float[values.length];
        into.get(0, decoded);
        return decoded;
    }

    @Test
    void float32IsExactAndLeavesNothingBehind() {
        for (int n : new int[] {0, 1, ElementCodec.BLOCK - 1, ElementCodec.BLOCK, 3 * ElementCodec.BLOCK + 5}) {
            float[] v = values(n, n);
            float[] residual = new float[n];
            float[] decoded = roundTrip(new Float32Codec(), v, n, residual);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(decoded[i]), "element " + i + " of " + n);
                assertEquals(0f, residual[i]);
            }
        }
    }

    @Test
    void halvesDecodeToTheNearestHalfAndLeaveTheRoundingError() {
        for (ElementCodec codec : new ElementCodec[] {new Float16Codec(), new BFloat16Codec()}) {
            int n = 2 * ElementCodec.BLOCK + 7;
            float[] v = values(n, 3);
            float[] residual = new float[n];
            float[] decoded = roundTrip(codec, v, n, residual);
            HalfCodec half = (HalfCodec) codec;
            for (int i = 0; i < n; i++) {
                float expected = half.toFloat(half.toHalf(v[i]));
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(decoded[i]), codec.encoding() + " element " + i);
                assertEquals(v[i] - expected, residual[i], codec.encoding() + " residual " + i);
            }
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(decoded[1]), "-0.0 keeps its sign");
            assertEquals(0x1p-24f, decoded[4], "2^-24: float16's smallest subnormal, a normal bfloat16");
        }
    }

    @Test
    void topKCarriesTheLargestAndZeroesTheRest() {
        int n = ElementCodec.BLOCK * 5;
        int k = ElementCodec.BLOCK + 3;
        float[] v = values(n, 4);
        float[] residual = new float[n];
        float[] decoded = roundTrip(new TopKCodec(), v, k, residual);
        int sent = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(v[i] == decoded[i] + residual[i], "sent + left = value at " + i);
            assertTrue(decoded[i] == 0 || residual[i] == 0, "an element is sent whole or not at all: " + i);
            sent += decoded[i] != 0 ? 1 : 0;
        }
        assertTrue(sent <= k);
    }

    @Test
    void everyCodecReportsNanAndInfinityWhereverTheyAre() {
        for (Encoding encoding : new Encoding[] {Encoding.ENCODING_DENSE, Encoding.FLOAT16, Encoding.BFLOAT16, Encoding.TOP_K}) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7f800001)}) {
                for (int at : new int[] {0, ElementCodec.BLOCK - 1, ElementCodec.BLOCK, 2 * ElementCodec.BLOCK + 2}) {
                    ElementCodec codec = ElementCodec.of(encoding);
                    int n = 2 * ElementCodec.BLOCK + 3;
                    float[] v = values(n, at);
                    v[at] = bad;
                    int units = n; // top-k with k = n sends every element
                    ByteBuffer bytes = ByteBuffer.allocate(units * codec.unitBytes());
                    codec.encode(v.clone(), n, bytes);
                    FloatBuffer into = FloatBuffer.allocate(n);
                    codec.start("t", n, into);
                    assertFalse(codec.decode(bytes.flip().order(ByteOrder.LITTLE_ENDIAN), 0, units, into),
                            encoding + ": " + bad + " at " + at);
                    assertFalse(Float.isFinite(into.get(at)), encoding + ": the value is written where it belongs");
                }
            }
        }
    }

    @Test
    void topKRefusesIndicesOutOfOrderOrRangeNamingThePair() {
        TopKCodec codec = new TopKCodec();
        ByteBuffer pairs = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(3).putFloat(1f).putInt(3).putFloat(2f).flip();
        codec.start("w", 6, FloatBuffer.allocate(6));
        WireFormatException e = assertThrows(WireFormatException.class, () -> codec.decode(pairs, 0, 2, FloatBuffer.allocate(6)));
        assertEquals("tensor 'w': top-k pair 1 has element index 3 (expected: above 3, the index of pair 0, and below 6, the tensor's size)",
                e.getMessage());
    }
}
