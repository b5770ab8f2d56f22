package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.Encoding;
import dev.chainrule.proto.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    // ---- encodings other than dense: the receiver of compressed gradients accepts exactly one

    /** A chunk of 'w' ([2, 3] float32) in {@code encoding}, declaring {@code encodedBytes}, at {@code offset}, carrying {@code data}. */
    private static TensorChunk encoded(Encoding encoding, long encodedBytes, long offset, ByteString data) {
        return TensorChunk.newBuilder().setName("w").addShape(2).addShape(3).setDtype(dev.chainrule.proto.v1.DType.FLOAT32)
                .setEncoding(encoding).setEncodedBytes(encodedBytes).setOffset(offset).setData(data).build();
    }

    /** Top-k pairs (index, value), little-endian. */
    private static ByteString pairs(long... indexAndValueBits) {
        ByteBuffer b = ByteBuffer.allocate(4 * indexAndValueBits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : indexAndValueBits) {
            b.putInt((int) v);
        }
        return ByteString.copyFrom(b.array());
    }

    private static long f(float value) {
        return Float.floatToRawIntBits(value);
    }

    private static TensorAssembler accepting(Encoding encoding) {
        return strict().acceptEncoding(encoding);
    }

    @Test
    void anEncodingOtherThanTheAcceptedOneIsRejectedNamingBoth() {
        ByteString twelve = ByteString.copyFrom(new byte[12]);
        assertRejected(strict(), List.of(encoded(Encoding.FLOAT16, 12, 0, twelve)), "tensor 'w' has encoding FLOAT16 (expected: ENCODING_DENSE)");
        assertRejected(accepting(Encoding.TOP_K), TensorChunks.of("w", Tensor.zeros(DType.FLOAT32, 2, 3), 16),
                "tensor 'w' has encoding ENCODING_DENSE (expected: TOP_K)");
        assertRejected(accepting(Encoding.FLOAT16), List.of(encoded(Encoding.FLOAT16, 12, 0, twelve).toBuilder().setEncodingValue(9).build()),
                "tensor 'w' has encoding 9 (expected: FLOAT16)");
        assertRejected(accepting(Encoding.TOP_K), TensorChunks.of("b", Tensor.zeros(DType.FLOAT64, 3), 16), "tensor 'b' is float64 (expected: float32)");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> strict().acceptEncoding(Encoding.UNRECOGNIZED));
        assertEquals("encoding : UNRECOGNIZED (expected: one of [ENCODING_DENSE, FLOAT16, BFLOAT16, TOP_K, UNRECOGNIZED])", e.getMessage());
    }

    @Test
    void anEncodedLengthThatDoesNotFitTheShapeIsRejected() {
        ByteString eight = ByteString.copyFrom(new byte[8]);
        assertRejected(accepting(Encoding.FLOAT16), List.of(encoded(Encoding.FLOAT16, 10, 0, eight)),
                "tensor 'w': encoded_bytes 10 for [2, 3] in FLOAT16 (expected: 12, 2 bytes for each of 6 elements)");
        assertRejected(accepting(Encoding.BFLOAT16), List.of(encoded(Encoding.BFLOAT16, 0, 0, eight)),
                "tensor 'w': encoded_bytes 0 for [2, 3] in BFLOAT16 (expected: 12, 2 bytes for each of 6 elements)");
        assertRejected(strict(), List.of(encoded(Encoding.ENCODING_DENSE, 20, 0, eight)),
                "tensor 'w': encoded_bytes 20 for [2, 3] in ENCODING_DENSE (expected: 0 or 24, 4 bytes for each of 6 elements)");
        for (long bad : new long[] {12, 0, 56, -8, 1L << 40}) {
            assertRejected(accepting(Encoding.TOP_K), List.of(encoded(Encoding.TOP_K, bad, 0, eight)), "tensor 'w': encoded_bytes " + bad
                    + " for [2, 3] in TOP_K (expected: a positive multiple of 8 up to 48, 8 bytes per pair)");
        }
        TensorChunk emptyTopK = TensorChunk.newBuilder().setName("e").addShape(0).setDtype(dev.chainrule.proto.v1.DType.FLOAT32)
                .setEncoding(Encoding.TOP_K).build();
        TensorAssembler empty = new TensorAssembler(Map.of("e", Shape.of(0))).acceptEncoding(Encoding.TOP_K);
        empty.accept(emptyTopK);
        assertEquals(Shape.of(0), empty.complete().get("e").shape());
        assertRejected(new TensorAssembler(Map.of("e", Shape.of(0))).acceptEncoding(Encoding.TOP_K), List.of(emptyTopK.toBuilder().setEncodedBytes(8).build()),
                "tensor 'e': encoded_bytes 8 for [0] in TOP_K (expected: 0 for an empty tensor)");
    }

    @Test
    void aLaterChunkThatChangesTheEncodingOrItsLengthIsRejected() {
        ByteString six = ByteString.copyFrom(new byte[6]);
        TensorChunk first = encoded(Encoding.FLOAT16, 12, 0, six);
        assertRejected(accepting(Encoding.FLOAT16), List.of(first, encoded(Encoding.FLOAT16, 14, 6, six)),
                "tensor 'w': a chunk says encoding FLOAT16 with encoded_bytes 14 (expected: FLOAT16 with 12, as in the tensor's first chunk)");
        assertRejected(accepting(Encoding.FLOAT16), List.of(first, encoded(Encoding.BFLOAT16, 12, 6, six)),
                "tensor 'w': a chunk says encoding BFLOAT16 with encoded_bytes 12 (expected: FLOAT16 with 12, as in the tensor's first chunk)");
        List<TensorChunk> dense = TensorChunks.of("w", Tensor.zeros(DType.FLOAT32, 2, 3), 8);
        assertRejected(strict(), List.of(dense.get(0), dense.get(1).toBuilder().setEncodedBytes(24).build()),
                "tensor 'w': a chunk says encoding ENCODING_DENSE with encoded_bytes 24 (expected: ENCODING_DENSE with 0, as in the tensor's first chunk)");
    }

    @Test
    void topKPairsOutOfRangeOrOrderAreRejectedNamingThePair() {
        assertRejected(accepting(Encoding.TOP_K), List.of(encoded(Encoding.TOP_K, 16, 0, pairs(0, f(1), 6, f(2)))),
                "tensor 'w': top-k pair 1 has element index 6 (expected: above 0, the index of pair 0, and below 6, the tensor's size)");
        assertRejected(accepting(Encoding.TOP_K), List.of(encoded(Encoding.TOP_K, 16, 0, pairs(3, f(1), 2, f(2)))),
                "tensor 'w': top-k pair 1 has element index 2 (expected: above 3, the index of pair 0, and below 6, the tensor's size)");
        assertRejected(accepting(Encoding.TOP_K), List.of(encoded(Encoding.TOP_K, 16, 0, pairs(3, f(1), 3, f(2)))),
                "tensor 'w': top-k pair 1 has element index 3 (expected: above 3, the index of pair 0, and below 6, the tensor's size)");
        assertRejected(accepting(Encoding.TOP_K), List.of(encoded(Encoding.TOP_K, 8, 0, pairs(0xffffffffL, f(1)))),
                "tensor 'w': top-k pair 0 has element index 4294967295 (expected: below 6, the tensor's size)");
        ByteString two = pairs(4, f(1), 1, f(2)); // the bad pair cut in two by a chunk boundary
        assertRejected(accepting(Encoding.TOP_K), List.of(encoded(Encoding.TOP_K, 16, 0, two.substring(0, 11)), encoded(Encoding.TOP_K, 16, 11, two.substring(11))),
                "tensor 'w': top-k pair 1 has element index 1 (expected: above 4, the index of pair 0, and below 6, the tensor's size)");
    }

    @Test
    void nonFiniteDecodedValuesAreRejectedWhenFiniteIsRequired() {
        assertRejected(accepting(Encoding.TOP_K), List.of(encoded(Encoding.TOP_K, 16, 0, pairs(1, f(1), 2, f(Float.NaN)))),
                "tensor 'w': element 2 of 6 is NaN (expected: finite values)");
        ByteString halves = ByteString.copyFrom(new byte[] {0, 0x3c, 0, 0, 0, 0, 0, 0, 0, (byte) 0xfc, 0, 0}); // 1, 0, 0, 0, -Inf, 0
        assertRejected(accepting(Encoding.FLOAT16), List.of(encoded(Encoding.FLOAT16, 12, 0, halves)),
                "tensor 'w': element 4 of 6 is -Infinity (expected: finite values)");
        TensorAssembler lenient = new TensorAssembler(Map.of("w", Shape.of(2, 3))).acceptEncoding(Encoding.FLOAT16);
        lenient.accept(encoded(Encoding.FLOAT16, 12, 0, halves));
        assertArrayEquals(new float[] {1, 0, 0, 0, Float.NEGATIVE_INFINITY, 0}, lenient.complete().get("w").toFloatArray());
    }

    @Test
    void encodedBytesBeyondTheDeclaredLengthOrShortOfItAreRejected() {
        assertRejected(accepting(Encoding.TOP_K), List.of(encoded(Encoding.TOP_K, 8, 0, pairs(1, f(1), 2, f(2)))),
                "tensor 'w': 16 bytes received for [2, 3] float32 (expected: 8)");
        TensorAssembler a = accepting(Encoding.TOP_K);
        a.accept(encoded(Encoding.TOP_K, 16, 0, pairs(1, f(1))));
        assertEquals("the rest of tensor 'w' from byte offset 8 of 16", a.awaiting());
        assertEquals("tensor 'w' is incomplete: 8 of 16 bytes", assertThrows(WireFormatException.class, a::complete).getMessage());
    }

    @Test
    void topKScattersItsPairsIntoAZeroedDestination() {
        Tensor destination = Tensor.full(DType.FLOAT32, 9, Shape.of(2, 3));
        TensorAssembler a = accepting(Encoding.TOP_K).into(Map.of("w", destination, "b", Tensor.zeros(DType.FLOAT32, 3)));
        a.accept(encoded(Encoding.TOP_K, 16, 0, pairs(1, f(-1.5f), 5, f(2))));
        assertArrayEquals(new float[] {0, -1.5f, 0, 0, 0, 2}, destination.toFloatArray());
    }
}
