package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.HalfFloats;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.Encoding;
import dev.chainrule.proto.v1.TensorChunk;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every compression from encoder to assembler: what arrives is what the encoding promises, whatever
 * the chunk size and the tensor's size; error feedback loses nothing over the steps.
 */
class GradientEncoderTest {
    private static final List<GradientCompression> MODES = List.of(GradientCompression.none(), GradientCompression.fp16(),
            GradientCompression.bf16(), GradientCompression.topK(0.01), GradientCompression.topK(0.3), GradientCompression.topK(1));

    /** Gaussian values, with repeated ones (ties), some beyond float16's range and some below its normals. */
    static float[] gradient(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            double scale = switch (random.nextInt(8)) {
                case 0 -> 0;
                case 1 -> 1e5;
                case 2 -> 1e-6;
                default -> 1;
            };
            values[i] = scale == 0 ? 0.5f : (float) (random.nextGaussian() * scale);
        }
        return values;
    }

    /** What a receiver must hold after {@code g} is sent once with nothing held back before. */
    private static float[] promised(GradientCompression c, float[] g) {
        float[] out = new float[g.length];
        if (c.encoding() == Encoding.TOP_K) {
            for (int i : TopKTest.bySorting(g, c.keptElements(g.length))) {
                out[i] = g[i];
            }
            return out;
        }
        for (int i = 0; i < g.length; i++) {
            out[i] = switch (c.encoding()) {
                case FLOAT16 -> HalfFloats.float16BitsToFloat(HalfFloats.floatToFloat16Bits(g[i]));
                case BFLOAT16 -> HalfFloats.bfloat16BitsToFloat(HalfFloats.floatToBFloat16Bits(g[i]));
                default -> g[i];
            };
        }
        return out;
    }

    /** The tensor the chunks carry, as a strict receiver of {@code c} decodes it; into a garbage-filled destination when {@code into}. */
    static float[] receive(GradientCompression c, List<TensorChunk> chunks, int n, int maxChunk, boolean into) {
        TensorAssembler a = new TensorAssembler(Map.of("g", Shape.of(n))).acceptEncoding(c.encoding()).requireFinite().maxChunkBytes(maxChunk);
        if (into) {
            a.into(Map.of("g", Tensor.full(DType.FLOAT32, 123, Shape.of(n))));
        }
        chunks.forEach(a::accept);
        return a.complete().get("g").toFloatArray();
    }

    @Test
    void everyModeArrivesAsPromisedWhateverTheChunkAndTensorSize() {
        for (int n : new int[] {0, 1, 7, 200_704}) {
            float[] g = gradient(n, n);
            for (GradientCompression c : MODES) {
                int[] expected = bits(promised(c, g));
                for (int chunkBytes : new int[] {8, 9, 13, 1 << 30}) {
                    List<TensorChunk> chunks = new GradientEncoder(c, chunkBytes).encode("g", Tensor.of(g, n));
                    long offset = 0;
                    for (TensorChunk chunk : chunks) {
                        assertEquals(offset, chunk.getOffset());
                        assertTrue(chunk.getData().size() <= chunkBytes);
                        assertEquals(c.encoding(), chunk.getEncoding());
                        assertEquals(c.isLossless() ? 0 : c.encodedBytes(n), chunk.getEncodedBytes());
                        offset += chunk.getData().size();
                    }
                    assertEquals(c.encodedBytes(n), offset, c + " of " + n);
                    String what = c + ", " + n + " elements, chunks of " + chunkBytes;
                    assertArrayEquals(expected, bits(receive(c, chunks, n, chunkBytes, false)), what);
                    assertArrayEquals(expected, bits(receive(c, chunks, n, chunkBytes, true)), what + ", into");
                }
            }
        }
    }

    @Test
    void theReceiverDecodesChunksThatCutElementsAndPairsAnywhere() {
        int n = 37;
        float[] g = gradient(5, n);
        for (GradientCompression c : MODES) {
            List<TensorChunk> chunks = new GradientEncoder(c, 1 << 20).encode("g", Tensor.of(g, n));
            ByteString all = chunks.get(0).getData();
            for (int size = 1; size <= 13; size++) {
                List<TensorChunk> cut = new ArrayList<>();
                for (int at = 0; at < all.size(); at += size) {
                    cut.add(chunks.get(0).toBuilder().setOffset(at).setData(all.substring(at, Math.min(all.size(), at + size))).build());
                }
                assertArrayEquals(bits(promised(c, g)), bits(receive(c, cut, n, size, true)), c + ", cut every " + size + " bytes");
            }
        }
    }

    @Test
    void errorFeedbackSendsEverythingInTheEnd() {
        int n = 500;
        int steps = 60;
        for (GradientCompression c : List.of(GradientCompression.fp16(), GradientCompression.bf16(), GradientCompression.topK(0.01),
                GradientCompression.topK(0.3))) {
            GradientEncoder encoder = new GradientEncoder(c, 256);
            double[] raw = new double[n];
            double[] sent = new double[n];
            double[] bound = new double[n]; // 2^-23 × Σ (|r| + |g|): the float rounding of r + g each step
            for (int step = 0; step < steps; step++) {
                float[] g = gradient(100 + step, n);
                float[] before = encoder.residual("g");
                for (int i = 0; i < n; i++) {
                    raw[i] += g[i];
                    bound[i] += 0x1p-23 * (Math.abs(g[i]) + (before == null ? 0 : Math.abs(before[i])));
                }
                float[] received = receive(c, encoder.encode("g", Tensor.of(g, n)), n, 256, false);
                for (int i = 0; i < n; i++) {
                    sent[i] += received[i];
                }
            }
            float[] residual = encoder.residual("g");
            int heldBack = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(raw[i], sent[i] + residual[i], bound[i], c + ": element " + i);
                heldBack += residual[i] != 0 ? 1 : 0;
            }
            assertTrue(heldBack > 0, c + " holds something back");
        }
    }

    @Test
    void topKSendsEveryElementEventually() {
        int n = 1000;
        GradientEncoder encoder = new GradientEncoder(GradientCompression.topK(0.01), 1 << 20);
        SplittableRandom random = new SplittableRandom(9);
        boolean[] sent = new boolean[n];
        for (int step = 0; step < 300; step++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) (1 + 0.5 * random.nextDouble());
            }
            float[] received = receive(GradientCompression.topK(0.01), encoder.encode("g", Tensor.of(g, n)), n, 1 << 20, false);
            for (int i = 0; i < n; i++) {
                sent[i] |= received[i] != 0;
            }
        }
        for (int i = 0; i < n; i++) {
            assertTrue(sent[i], "element " + i + " never sent");
        }
    }

    @Test
    void noneHoldsNothingBackAndItsChunksViewTheGradient() {
        GradientEncoder encoder = new GradientEncoder(GradientCompression.none(), 64);
        Tensor g = Tensor.of(gradient(1, 10), 10);
        List<TensorChunk> chunks = encoder.encode("g", g);
        assertNull(encoder.residual("g"));
        g.storage().set(3, 42);
        assertEquals(Float.floatToRawIntBits(42f), chunks.get(0).getData().asReadOnlyByteBuffer()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(12));
    }

    @Test
    void aNameKeepsItsChunksUntilItsNextEncodeAndTheGradientIsNotChanged() {
        GradientEncoder encoder = new GradientEncoder(GradientCompression.fp16(), 1 << 20);
        float[] a = gradient(1, 50);
        Tensor tensorA = Tensor.of(a, 50);
        ByteString first = encoder.encode("a", tensorA).get(0).getData();
        ByteString copy = ByteString.copyFrom(first.toByteArray());
        encoder.encode("b", Tensor.of(gradient(2, 50), 50));
        assertEquals(copy, first, "another name's encode leaves them alone");
        assertArrayEquals(bits(a), bits(tensorA.toFloatArray()));
        encoder.encode("a", Tensor.of(gradient(3, 50), 50));
        assertNotEquals(copy, first, "the name's next encode reuses the buffer");
    }

    @Test
    void aSteadyStateAllocatesNothingBig() {
        int n = 200_704;
        Tensor g = Tensor.of(gradient(4, n), n);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (GradientCompression c : MODES) {
            GradientEncoder encoder = new GradientEncoder(c, 1 << 20);
            encoder.encode("g", g);
            encoder.encode("g", g);
            long before = threads.getCurrentThreadAllocatedBytes();
            encoder.encode("g", g);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 16 * 1024, c + " allocated " + allocated + " bytes for " + n + " elements");
        }
    }

    @Test
    void aGradientOfAnotherDTypeOrSizeIsRefused() {
        GradientEncoder encoder = new GradientEncoder(GradientCompression.topK(0.5), 64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encoder.encode("g", Tensor.zeros(DType.FLOAT64, 4)));
        assertEquals("gradient 'g' : float64 (expected: float32)", e.getMessage());
        encoder.encode("g", Tensor.zeros(DType.FLOAT32, 4));
        e = assertThrows(IllegalArgumentException.class, () -> encoder.encode("g", Tensor.zeros(DType.FLOAT32, 5)));
        assertEquals("gradient 'g' : 5 elements (expected: 4, as in its earlier steps)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GradientEncoder(GradientCompression.fp16(), 7));
        assertEquals("chunkBytes : 7 (expected: >= 8)", e.getMessage());
    }

    static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
