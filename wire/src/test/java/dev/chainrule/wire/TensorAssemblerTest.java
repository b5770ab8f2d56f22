package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The assembler's checks: every failure names the tensor, what was expected and what arrived. */
class TensorAssemblerTest {
    private static final Map<String, Shape> SHAPES = shapes();

    private static Map<String, Shape> shapes() {
        LinkedHashMap<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("w", Shape.of(2, 3));
        shapes.put("b", Shape.of(3));
        return shapes;
    }

    private static TensorAssembler strict() {
        return new TensorAssembler(SHAPES).requireDType(DType.FLOAT32).requireFinite().maxChunkBytes(16);
    }

    private static void assertRejected(TensorAssembler a, List<TensorChunk> chunks, String message) {
        WireFormatException e = assertThrows(WireFormatException.class, () -> chunks.forEach(a::accept));
        assertEquals(message, e.getMessage());
    }

    @Test
    void aStrictAssemblerTakesWellFormedFloat32Chunks() {
        TensorAssembler a = strict();
        TensorChunks.of("w", Tensor.full(DType.FLOAT32, 1.5, Shape.of(2, 3)), 16).forEach(a::accept);
        assertFalse(a.finished());
        assertEquals("tensor [b]", a.awaiting());
        TensorChunks.of("b", Tensor.full(DType.FLOAT32, -2, Shape.of(3)), 16).forEach(a::accept);
        assertTrue(a.finished());
        assertEquals(-2.0, a.complete().get("b").getFlat(2));
    }

    @Test
    void anotherDTypeIsRejectedNamingBoth() {
        assertRejected(strict(), TensorChunks.of("b", Tensor.zeros(DType.FLOAT64, 3), 16), "tensor 'b' is float64 (expected: float32)");
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void aNonFiniteElementIsRejectedNamingItsIndex(float bad) {
        Tensor w = Tensor.zeros(DType.FLOAT32, 2, 3);
        w.storage().set(4, bad);
        assertRejected(strict(), TensorChunks.of("w", w, 16), "tensor 'w': element 4 of 6 is " + (double) bad + " (expected: finite values)");
    }

    @Test
    void withoutRequireFiniteNaNPassesBitForBit() {
        Tensor b = Tensor.zeros(DType.FLOAT32, 3);
        b.storage().set(1, Float.NaN);
        TensorAssembler a = new TensorAssembler(Map.of("b", Shape.of(3)));
        TensorChunks.of("b", b, 64).forEach(a::accept);
        assertTrue(Double.isNaN(a.complete().get("b").getFlat(1)));
    }

    @Test
    void aChunkLongerThanTheMaximumIsRejected() {
        assertRejected(strict(), TensorChunks.of("w", Tensor.zeros(DType.FLOAT32, 2, 3), 24),
                "tensor 'w': a chunk of 24 bytes (expected: at most 16)");
    }

    @Test
    void anEmptyChunkOfANonEmptyTensorIsRejected() {
        TensorChunk empty = TensorChunks.of("b", Tensor.zeros(DType.FLOAT32, 3), 16).get(0).toBuilder().setData(ByteString.EMPTY).build();
        assertRejected(strict(), List.of(empty), "tensor 'b': a chunk with no data at byte offset 0 (expected: between 1 and 12 bytes)");
    }

    @Test
    void hugeOrNegativeDimensionsAreAWrongShapeNotAnOverflow() {
        TensorChunk first = TensorChunks.of("w", Tensor.zeros(DType.FLOAT32, 2, 3), 16).get(0);
        assertRejected(strict(), List.of(first.toBuilder().setShape(0, 1L << 40).build()),
                "tensor 'w' has shape [1099511627776, 3] (expected: [2, 3])");
        assertRejected(strict(), List.of(first.toBuilder().setShape(0, -2).build()), "tensor 'w' has shape [-2, 3] (expected: [2, 3])");
        assertRejected(strict(), List.of(first.toBuilder().addShape(1).build()), "tensor 'w' has shape [2, 3, 1] (expected: [2, 3])");
    }

    @Test
    void anUnknownDTypeNumberIsNamed() {
        TensorChunk first = TensorChunks.of("b", Tensor.zeros(DType.FLOAT32, 3), 16).get(0);
        assertRejected(strict(), List.of(first.toBuilder().setDtypeValue(7).build()), "tensor 'b': dtype 7 (expected: FLOAT32 or FLOAT64)");
    }

    @Test
    void aLaterChunkThatChangesShapeOrDTypeIsRejectedNamingTheFirstChunks() {
        List<TensorChunk> chunks = TensorChunks.of("w", Tensor.zeros(DType.FLOAT32, 2, 3), 16);
        TensorChunk changed = chunks.get(1).toBuilder().setDtype(dev.chainrule.proto.v1.DType.FLOAT64).build();
        assertRejected(strict(), List.of(chunks.get(0), changed),
                "tensor 'w': a chunk says [2, 3] float64 (expected: [2, 3] float32, as in the tensor's first chunk)");
    }

    @Test
    void gapsOverlapsAndInterleavingAreRejected() {
        List<TensorChunk> w = TensorChunks.of("w", Tensor.zeros(DType.FLOAT32, 2, 3), 8);
        assertRejected(strict(), List.of(w.get(0), w.get(2)), "tensor 'w': chunk at byte offset 16 (expected: 8)");
        assertRejected(strict(), List.of(w.get(0), w.get(0)), "tensor 'w': chunk at byte offset 0 (expected: 8)");
        assertRejected(strict(), List.of(w.get(0), TensorChunks.of("b", Tensor.zeros(DType.FLOAT32, 3), 16).get(0)),
                "a chunk of tensor 'b' arrived before tensor 'w' was complete (expected: the rest of 'w' from byte offset 8 of 24)");
    }

    @Test
    void awaitingNamesWhatComesNext() {
        TensorAssembler a = strict();
        assertEquals("tensors [w, b]", a.awaiting());
        a.accept(TensorChunks.of("w", Tensor.zeros(DType.FLOAT32, 2, 3), 8).get(0));
        assertEquals("the rest of tensor 'w' from byte offset 8 of 24", a.awaiting());
    }

    @Test
    void aTensorSentTwiceOrUnknownNamesWhatIsStillExpected() {
        TensorAssembler a = strict();
        List<TensorChunk> b = TensorChunks.of("b", Tensor.zeros(DType.FLOAT32, 3), 16);
        b.forEach(a::accept);
        assertRejected(a, b, "tensor 'b' sent twice (expected: one of [w])");
        assertRejected(strict(), List.of(b.get(0).toBuilder().setName("fc9.bias").build()),
                "unexpected tensor 'fc9.bias' (expected: one of [w, b])");
    }
    @Test
    void intoWritesTheElementsInPlaceEvenWhenChunksCutElementsInTwo() {
        Tensor w = Tensor.randn(DType.FLOAT32, 7, 2, 3);
        ByteString bytes = TensorChunks.of("w", w, 64).get(0).getData();
        TensorChunk header = TensorChunks.of("w", w, 64).get(0).toBuilder().clearData().build();
        Tensor destination = Tensor.zeros(DType.FLOAT32, 2, 3);
        Map<String, Tensor> into = new LinkedHashMap<>(Map.of("w", destination, "b", Tensor.zeros(DType.FLOAT32, 3)));
        TensorAssembler a = strict().into(into);
        // chunks of 3, 6 and 15 bytes: elements split after 3 bytes and after 1 byte
        int[] cuts = {0, 3, 9, 24};
        for (int i = 0; i + 1 < cuts.length; i++) {
            a.accept(header.toBuilder().setOffset(cuts[i]).setData(bytes.substring(cuts[i], cuts[i + 1])).build());
        }
        TensorChunks.of("b", Tensor.full(DType.FLOAT32, 2, Shape.of(3)), 16).forEach(a::accept);
        LinkedHashMap<String, Tensor> done = a.complete();
        assertSame(destination, done.get("w"));
        assertSame(into.get("b"), done.get("b"));
        for (int i = 0; i < 6; i++) {
            assertEquals(Float.floatToRawIntBits((float) w.getFlat(i)), Float.floatToRawIntBits((float) destination.getFlat(i)));
        }
        assertEquals(2.0, into.get("b").getFlat(2));
    }

    @Test
    void intoRefusesDestinationsOfAnotherShapeOrDType() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> strict().into(Map.of("w", Tensor.zeros(DType.FLOAT32, 3, 2), "b", Tensor.zeros(DType.FLOAT32, 3))));
        assertEquals("destination 'w' : [3, 2] float32 (expected: [2, 3] float32)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> strict().into(Map.of("w", Tensor.zeros(DType.FLOAT32, 2, 3))));
        assertEquals("destination 'b' : missing (expected: [3] float32)", e.getMessage());
    }
}
