package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.TensorChunk;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TensorChunksTest {

    private static LinkedHashMap<String, Tensor> weights() {
        LinkedHashMap<String, Tensor> w = new LinkedHashMap<>();
        w.put("fc1.weight", Tensor.randn(DType.FLOAT32, 1, 7, 5));
        w.put("fc1.bias", Tensor.randn(DType.FLOAT32, 2, 7));
        w.put("fc2.weight", Tensor.randn(DType.FLOAT32, 3, 3, 7));
        w.put("fc2.bias", Tensor.zeros(DType.FLOAT32, 3));
        return w;
    }

    private static Map<String, Shape> shapes(Map<String, Tensor> tensors) {
        LinkedHashMap<String, Shape> shapes = new LinkedHashMap<>();
        tensors.forEach((name, t) -> shapes.put(name, t.shape()));
        return shapes;
    }

    @Test
    void roundTripKeepsEveryBitWhateverTheChunkSize() {
        LinkedHashMap<String, Tensor> w = weights();
        w.get("fc2.bias").storage().set(0, -0.0);
        w.get("fc2.bias").storage().set(1, Float.MIN_VALUE);
        w.get("fc2.bias").storage().set(2, Float.NaN);
        for (int chunkBytes : new int[] {8, 12, 20, 64, 1 << 20}) {
            TensorAssembler assembler = new TensorAssembler(shapes(w));
            List<TensorChunk> chunks = TensorChunks.of(w, chunkBytes);
            for (TensorChunk c : chunks) {
                assertTrue(c.getData().size() <= chunkBytes, "chunk of " + c.getData().size() + " bytes");
                assembler.accept(c);
            }
            LinkedHashMap<String, Tensor> back = assembler.complete();
            assertEquals(w.keySet(), back.keySet());
            w.forEach((name, t) -> assertArrayEquals(bits(t.toFloatArray()), bits(back.get(name).toFloatArray()), name));
        }
    }

    @Test
    void elementsAreLittleEndianFloat32() {
        Tensor t = Tensor.of(new float[] {1.0f}, 1);
        TensorChunk c = TensorChunks.of("x", t, 64).get(0);
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, c.getData().toByteArray());
        assertEquals(List.of(1L), c.getShapeList());
        assertEquals(dev.chainrule.proto.v1.DType.FLOAT32, c.getDtype());
    }

    @Test
    void chunksNeverSplitAnElement() {
        Tensor t = Tensor.randn(DType.FLOAT64, 5, 10);
        for (TensorChunk c : TensorChunks.of("d", t, 20)) {
            assertEquals(0, c.getData().size() % 8);
            assertEquals(0, c.getOffset() % 8);
        }
    }

    @Test
    void emptyTensorIsOneEmptyChunk() {
        List<TensorChunk> chunks = TensorChunks.of("e", Tensor.zeros(DType.FLOAT32, 0, 3), 64);
        assertEquals(1, chunks.size());
        TensorAssembler a = new TensorAssembler(Map.of("e", Shape.of(0, 3)));
        a.accept(chunks.get(0));
        assertEquals(Shape.of(0, 3), a.complete().get("e").shape());
    }

    @Test
    void contractViolationsAreRejected() {
        LinkedHashMap<String, Tensor> w = weights();
        List<TensorChunk> chunks = TensorChunks.of(w, 16);
        TensorChunk first = chunks.get(0);

        assertRejected(w, List.of(first.toBuilder().setName("fc9.weight").build()), "unexpected tensor 'fc9.weight'");
        assertRejected(w, List.of(first.toBuilder().setShape(0, 6).build()), "has shape [6, 5]");
        assertRejected(w, List.of(first.toBuilder().setDtype(dev.chainrule.proto.v1.DType.DTYPE_UNSPECIFIED).build()), "dtype");
        assertRejected(w, List.of(first, chunks.get(2)), "offset");
        assertRejected(w, List.of(first.toBuilder().setData(ByteString.copyFrom(new byte[7 * 5 * 4 + 4])).build()), "bytes received");
        assertRejected(w, List.of(first, TensorChunks.of("fc1.bias", w.get("fc1.bias"), 16).get(0)), "arrived before tensor 'fc1.weight' was complete");
        TensorAssembler partial = new TensorAssembler(shapes(w));
        partial.accept(first);
        assertTrue(assertThrows(WireFormatException.class, partial::complete).getMessage().contains("incomplete"));
        TensorAssembler missing = new TensorAssembler(shapes(w));
        TensorChunks.of("fc1.bias", w.get("fc1.bias"), 1 << 20).forEach(missing::accept);
        assertTrue(assertThrows(WireFormatException.class, missing::complete).getMessage().contains("missing tensors"));
    }

    @Test
    void aTensorSentTwiceIsRejected() {
        Tensor bias = Tensor.zeros(DType.FLOAT32, 3);
        TensorAssembler a = new TensorAssembler(Map.of("b", Shape.of(3)));
        TensorChunk c = TensorChunks.of("b", bias, 64).get(0);
        a.accept(c);
        assertTrue(assertThrows(WireFormatException.class, () -> a.accept(c)).getMessage().contains("sent twice"));
    }

    private static void assertRejected(Map<String, Tensor> w, List<TensorChunk> chunks, String expected) {
        TensorAssembler a = new TensorAssembler(shapes(w));
        WireFormatException e = assertThrows(WireFormatException.class, () -> chunks.forEach(a::accept));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
