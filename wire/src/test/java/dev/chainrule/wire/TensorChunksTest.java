package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.Workspace;
import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.WorkerMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    // ---- float32 chunks are views of the tensor's memory

    /** The tensor's little-endian bytes, copied the plain way (what TensorChunks built before it viewed). */
    private static byte[] copied(Tensor t) {
        byte[] bytes = new byte[t.size() * 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(t.toFloatArray());
        return bytes;
    }

    private static ByteString joined(List<TensorChunk> chunks) {
        ByteString all = ByteString.EMPTY;
        for (TensorChunk c : chunks) {
            all = all.concat(c.getData());
        }
        return all;
    }

    @Test
    void float32ChunksHoldTheSameBytesAsACopyAndViewTheTensor() {
        Tensor t = Tensor.randn(DType.FLOAT32, 4, 1001);
        List<TensorChunk> chunks = TensorChunks.of("t", t, 64);
        assertArrayEquals(copied(t), joined(chunks).toByteArray());
        assertTrue(chunks.get(0).getData().asReadOnlyByteBuffer().isDirect(), "the tensor's own direct memory, not a heap copy");
        t.storage().set(17, 7.0); // element 17: chunk 1 (16 elements per chunk), bytes 4 to 8
        assertEquals(7.0f, chunks.get(1).getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat(4));
        assertArrayEquals(copied(t), joined(chunks).toByteArray(), "a view: the chunks changed with the tensor");
    }

    @Test
    void viewedChunksWorkWithEveryByteStringOperationAndBothMarshallers() throws IOException {
        Tensor t = Tensor.randn(DType.FLOAT32, 5, 3, 7);
        byte[] expected = copied(t);
        TensorChunk chunk = TensorChunks.of("t", t, 1 << 20).get(0);
        ByteString data = chunk.getData();
        assertEquals(ByteString.copyFrom(expected), data);
        assertEquals(data, ByteString.copyFrom(expected));
        byte[] into = new byte[expected.length + 3];
        data.copyTo(into, 3);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(into, 3, into.length));
        assertArrayEquals(java.util.Arrays.copyOfRange(expected, 5, 30), data.substring(5, 30).toByteArray());
        assertEquals(expected[9], data.byteAt(9));
        WorkerMessage message = WorkerMessage.newBuilder().setGradient(GradientChunk.newBuilder().setStep(1).setTensor(chunk).setLast(true)).build();
        byte[] wire = CoordinatorGrpc.getSessionMethod().getRequestMarshaller().stream(message).readAllBytes();
        assertArrayEquals(wire, SessionMethod.DESCRIPTOR.streamRequest(message).readAllBytes());
        assertEquals(message, CoordinatorGrpc.getSessionMethod().parseRequest(new ByteArrayInputStream(wire)));
        TensorAssembler a = new TensorAssembler(Map.of("t", Shape.of(3, 7)));
        a.accept(CoordinatorGrpc.getSessionMethod().parseRequest(new ByteArrayInputStream(wire)).getGradient().getTensor());
        assertArrayEquals(bits(t.toFloatArray()), bits(a.complete().get("t").toFloatArray()));
    }

    @Test
    void littleEndianBytesIsAReadOnlyViewOfExactlyTheElementsAlsoOfRecycledBuffers() {
        Workspace workspace = new Workspace();
        try (Workspace.Scope first = workspace.open()) {
            Tensor.zeros(DType.FLOAT32, 2, 50);
        }
        try (Workspace.Scope second = workspace.open()) {
            Tensor t = Tensor.zeros(DType.FLOAT32, 2, 50); // a recycled buffer
            assertEquals(1, workspace.buffers());
            ByteBuffer view = ((Storage.Float32) t.storage()).littleEndianBytes();
            assertEquals(0, view.position());
            assertEquals(400, view.limit());
            assertEquals(400, view.capacity());
            assertTrue(view.isReadOnly());
            assertTrue(view.isDirect());
            assertEquals(ByteOrder.LITTLE_ENDIAN, view.order());
            t.storage().set(99, -3.25);
            assertEquals(-3.25f, view.getFloat(396));
        }
    }

    @Test
    void aViewKeepsTheMemoryAliveAfterTheTensorIsGone() throws InterruptedException {
        List<TensorChunk> chunks = TensorChunks.of("t", Tensor.full(DType.FLOAT32, 2.5, Shape.of(1 << 16)), 1 << 20);
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
            for (int j = 0; j < 16; j++) {
                Tensor.full(DType.FLOAT32, -1, Shape.of(1 << 16)); // would take the freed memory
            }
        }
        ByteBuffer data = chunks.get(0).getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 1 << 16; i++) {
            assertEquals(2.5f, data.getFloat(4 * i), "element " + i);
        }
        assertFalse(chunks.isEmpty());
    }
}
