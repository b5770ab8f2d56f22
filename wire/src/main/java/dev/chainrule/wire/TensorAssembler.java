package dev.chainrule.wire;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.Encoding;
import dev.chainrule.proto.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Rebuilds tensors from their chunks, checking the contract as they arrive: an expected name, the
 * expected shape, a known dtype (or the one {@link #requireDType required}), the {@link
 * #acceptEncoding accepted encoding} with an encoded length that fits the shape, chunks of one tensor
 * in order without gaps or overlaps, none empty or longer than {@link #maxChunkBytes a maximum}, no
 * bytes beyond the tensor's encoded length, top-k indices ascending and below the tensor's size and,
 * when {@link #requireFinite required}, no NaN or ±Inf element (checked as each tensor completes,
 * before it is handed out). Every failure is a {@link WireFormatException}
 * naming the tensor, what was expected and what arrived.
 *
 * <p>float32 elements are decoded by the accepted encoding's {@link ElementCodec}, from each chunk's
 * bytes straight into the buffer of the tensor they belong to: a new one, or the caller's own
 * ({@link #into}), such as a model's parameters or recycled gradient buffers, with the finite check in
 * the same pass. A chunk's bytes may be one array or, in a message parsed without a copy, the
 * network buffers it views. A receiver of compressed gradients {@link #acceptEncoding accepts} their
 * one encoding instead of dense bytes (see {@link Encoding}).
 *
 * <p>Lifecycle: configure, {@link #accept} every chunk in order, then {@link #complete}. Not thread-safe.
 */
public final class TensorAssembler {
    private final Map<String, Shape> expected;
    private final LinkedHashMap<String, Tensor> done = new LinkedHashMap<>();
    private DType requiredType;
    private Encoding accepted = Encoding.ENCODING_DENSE;
    /** The accepted encoding's decoder. */
    private ElementCodec codec = new Float32Codec();
    private boolean finiteOnly;
    private int maxChunk = Integer.MAX_VALUE;
    private Map<String, Tensor> destinations;
    private String current;
    private Shape currentShape;
    private DType currentType;
    /** The current tensor's encoded_bytes field, as its first chunk says. */
    private long declaredBytes;
    /** The current tensor's size in encoded bytes. */
    private int byteLength;
    /** Bytes per unit of the current tensor's encoded bytes: an element, or a top-k pair. */
    private int unit;
    /** The current float32 tensor's elements, written in place as its chunks arrive. */
    private Tensor target;
    /** The current float64 tensor's elements (float64 is for tests and tools). */
    private double[] doubles;
    /** The bytes of a unit cut in two by a chunk boundary, until its other part arrives. */
    private final byte[] split = new byte[8];
    private int filled;
    /** Whether every float32 element of the current tensor decoded so far is finite. */
    private boolean finite;

    /** An assembler for tensors with exactly these names and shapes, arriving in any order of tensors. */
    public TensorAssembler(Map<String, Shape> expected) {
        this.expected = expected;
    }

    /** Refuses tensors of any other dtype; returns this assembler. */
    public TensorAssembler requireDType(DType dtype) {
        this.requiredType = dtype;
        return this;
    }

    /** Refuses a tensor holding NaN or ±Inf; returns this assembler. */
    public TensorAssembler requireFinite() {
        this.finiteOnly = true;
        return this;
    }

    /**
     * Writes every tensor's elements straight into the tensor of its name in {@code tensors}, which
     * {@link #complete} then returns, instead of into new tensors: the bytes of a chunk are copied
     * once, from the message into the tensor's buffer. Implies {@link #requireDType requireDType(FLOAT32)}.
     * The destinations hold partial values while their chunks arrive, and the values of a rejected
     * chunk's predecessors after a failure; use them only after {@link #complete}. Returns this assembler.
     *
     * @throws IllegalArgumentException when a destination is missing, is not float32, or has another shape
     */
    public TensorAssembler into(Map<String, Tensor> tensors) {
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null || t.dtype() != DType.FLOAT32 || !t.shape().equals(e.getValue())) {
                throw new IllegalArgumentException("destination '" + e.getKey() + "' : " + (t == null ? "missing" : t.shape() + " "
                        + lower(t.dtype())) + " (expected: " + e.getValue() + " float32)");
            }
        }
        this.destinations = tensors;
        return requireDType(DType.FLOAT32);
    }

    /**
     * Accepts tensors in {@code encoding} only (by default {@link Encoding#ENCODING_DENSE}), such as
     * the run's gradient compression; any other encoding implies {@link #requireDType
     * requireDType(FLOAT32)}. Returns this assembler.
     *
     * @throws IllegalArgumentException for {@link Encoding#UNRECOGNIZED}
     */
    public TensorAssembler acceptEncoding(Encoding encoding) {
        if (encoding == Encoding.UNRECOGNIZED) {
            throw new IllegalArgumentException("encoding : UNRECOGNIZED (expected: one of " + Arrays.toString(Encoding.values()) + ")");
        }
        this.accepted = encoding;
        this.codec = ElementCodec.of(encoding);
        return encoding == Encoding.ENCODING_DENSE ? this : requireDType(DType.FLOAT32);
    }

    /** Refuses chunks carrying more than {@code max} bytes of element data; returns this assembler. */
    public TensorAssembler maxChunkBytes(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max : " + max + " (expected: >= 1)");
        }
        this.maxChunk = max;
        return this;
    }

    /**
     * Takes the next chunk; returns the tensor it completed (checked, as {@link #complete} will return
     * it), or null while the tensor's chunks are still arriving, so that a receiver may use each
     * tensor as soon as it is whole.
     */
    public Tensor accept(TensorChunk chunk) {
        String name = chunk.getName();
        if (current == null) {
            start(chunk);
        } else if (!name.equals(current)) {
            throw new WireFormatException("a chunk of tensor '" + name + "' arrived before tensor '" + current + "' was complete"
                    + " (expected: the rest of '" + current + "' from byte offset " + filled + " of " + byteLength + ")");
        } else {
            long[] dims = dims(chunk);
            if (!sameDims(dims, currentShape) || chunk.getDtypeValue() != WireDTypes.toWire(currentType).getNumber()) {
                throw new WireFormatException("tensor '" + name + "': a chunk says " + Arrays.toString(dims) + " " + dtypeName(chunk)
                        + " (expected: " + currentShape + " " + lower(currentType) + ", as in the tensor's first chunk)");
            }
            if (chunk.getEncodingValue() != accepted.getNumber() || chunk.getEncodedBytes() != declaredBytes) {
                throw new WireFormatException("tensor '" + name + "': a chunk says encoding " + encodingName(chunk) + " with encoded_bytes "
                        + chunk.getEncodedBytes() + " (expected: " + accepted + " with " + declaredBytes + ", as in the tensor's first chunk)");
            }
        }
        if (chunk.getOffset() != filled) {
            throw new WireFormatException("tensor '" + name + "': chunk at byte offset " + chunk.getOffset()
                    + " (expected: " + filled + ")");
        }
        int size = chunk.getData().size();
        if (size > maxChunk) {
            throw new WireFormatException("tensor '" + name + "': a chunk of " + size + " bytes (expected: at most " + maxChunk + ")");
        }
        if (size == 0 && byteLength > 0) {
            throw new WireFormatException("tensor '" + name + "': a chunk with no data at byte offset " + filled
                    + " (expected: between 1 and " + Math.min(maxChunk, byteLength - filled) + " bytes)");
        }
        if (size > byteLength - filled) {
            throw new WireFormatException("tensor '" + name + "': " + ((long) filled + size) + " bytes received for "
                    + currentShape + " " + lower(currentType) + " (expected: " + byteLength + ")");
        }
        decode(chunk.getData());
        if (filled != byteLength) {
            return null;
        }
        Tensor completed = finish();
        done.put(name, completed);
        current = null;
        target = null;
        doubles = null;
        return completed;
    }

    /**
     * Decodes {@code data}, the next encoded bytes of the current tensor, into its elements, piece by
     * piece of its memory (one array, or the network buffers a received message views).
     */
    private void decode(ByteString data) {
        for (ByteBuffer piece : data.asReadOnlyByteBufferList()) {
            decode(piece.order(ByteOrder.LITTLE_ENDIAN));
        }
    }

    /** Decodes {@code source}: the whole units straight from it, a unit cut by a boundary once its last byte arrives. */
    private void decode(ByteBuffer source) {
        int pending = filled % unit;
        if (pending > 0) {
            int rest = Math.min(unit - pending, source.remaining());
            source.get(split, pending, rest);
            filled += rest;
            if (pending + rest < unit) {
                return;
            }
            decodeUnits(ByteBuffer.wrap(split, 0, unit).order(ByteOrder.LITTLE_ENDIAN), filled / unit - 1, 1);
        }
        int whole = source.remaining() / unit;
        decodeUnits(source, filled / unit, whole);
        filled += whole * unit;
        int rest = source.remaining();
        source.get(split, 0, rest);
        filled += rest;
    }

    /** Decodes {@code count} units from {@code source}'s position on (advancing it), the first being unit {@code first} of the tensor. */
    private void decodeUnits(ByteBuffer source, int first, int count) {
        if (currentType == DType.FLOAT64) {
            Float64Codec.decode(source, first, count, doubles);
        } else {
            finite &= codec.decode(source, first, count, ((Storage.Float32) target.storage()).buffer());
        }
    }

    /** The tensors received, by name; fails unless every expected tensor arrived whole. */
    public LinkedHashMap<String, Tensor> complete() {
        if (current != null) {
            throw new WireFormatException("tensor '" + current + "' is incomplete: " + filled + " of " + byteLength + " bytes");
        }
        if (!done.keySet().equals(expected.keySet())) {
            throw new WireFormatException("missing tensors " + missing() + " (received: " + done.keySet() + ")");
        }
        return done;
    }

    /** Whether every expected tensor has arrived whole. */
    public boolean finished() {
        return current == null && done.size() == expected.size();
    }

    /**
     * What the assembler waits for next, for error messages: "the rest of tensor 'fc1.weight' from
     * byte offset 256 of 512", "tensors [fc2.weight, fc2.bias]", or "nothing more" once complete.
     */
    public String awaiting() {
        if (current != null) {
            return "the rest of tensor '" + current + "' from byte offset " + filled + " of " + byteLength;
        }
        Set<String> missing = missing();
        return missing.isEmpty() ? "nothing more" : (missing.size() == 1 ? "tensor " : "tensors ") + missing;
    }

    private Set<String> missing() {
        Set<String> missing = new LinkedHashSet<>(expected.keySet());
        missing.removeAll(done.keySet());
        return missing;
    }

    /** "one of [fc2.weight, fc2.bias]", or "no more tensors". */
    private String stillExpected() {
        Set<String> missing = missing();
        return missing.isEmpty() ? "no more tensors" : "one of " + missing;
    }

    private void start(TensorChunk chunk) {
        String name = chunk.getName();
        Shape shape = expected.get(name);
        if (shape == null) {
            throw new WireFormatException("unexpected tensor '" + name + "' (expected: " + stillExpected() + ")");
        }
        if (done.containsKey(name)) {
            throw new WireFormatException("tensor '" + name + "' sent twice (expected: " + stillExpected() + ")");
        }
        long[] dims = dims(chunk);
        if (!sameDims(dims, shape)) {
            throw new WireFormatException("tensor '" + name + "' has shape " + Arrays.toString(dims) + " (expected: " + shape + ")");
        }
        DType type = WireDTypes.fromWire(chunk.getDtype(), chunk.getDtypeValue(), name);
        if (requiredType != null && type != requiredType) {
            throw new WireFormatException("tensor '" + name + "' is " + lower(type) + " (expected: " + lower(requiredType) + ")");
        }
        if (chunk.getEncodingValue() != accepted.getNumber()) {
            throw new WireFormatException("tensor '" + name + "' has encoding " + encodingName(chunk) + " (expected: " + accepted + ")");
        }
        int unitBytes = GradientCompression.unitBytes(accepted, type);
        byteLength = encodedLength(name, shape, unitBytes, chunk.getEncodedBytes());
        unit = unitBytes;
        current = name;
        currentShape = shape;
        currentType = type;
        declaredBytes = chunk.getEncodedBytes();
        if (type == DType.FLOAT32) {
            target = destinations != null ? destinations.get(name)
                    : Tensor.lastingZeros(DType.FLOAT32, shape).named(name);
            codec.start(name, shape.size(), ((Storage.Float32) target.storage()).buffer());
        } else {
            doubles = new double[shape.size()];
        }
        filled = 0;
        finite = true;
    }

    /**
     * Tensor {@code name}'s length in encoded bytes, once its {@code declared} encoded_bytes is checked
     * against its shape: n × {@code unit}, or 0 for dense; for top-k, a whole number of pairs up to n.
     */
    private int encodedLength(String name, Shape shape, int unit, long declared) {
        long n = shape.size();
        if (accepted == Encoding.TOP_K) {
            if (declared % unit != 0 || declared > n * unit || declared <= 0 && n > 0) {
                throw badLength(name, shape, declared, n == 0 ? "0 for an empty tensor"
                        : "a positive multiple of 8 up to " + n * unit + ", 8 bytes per pair");
            }
            return (int) declared;
        }
        boolean dense = accepted == Encoding.ENCODING_DENSE;
        if (declared != n * unit && !(dense && declared == 0)) {
            throw badLength(name, shape, declared, (dense ? "0 or " : "") + n * unit + ", " + unit + " bytes for each of " + n + " elements");
        }
        return (int) (n * unit);
    }

    private WireFormatException badLength(String name, Shape shape, long declared, String expected) {
        return new WireFormatException("tensor '" + name + "': encoded_bytes " + declared + " for " + shape + " in " + accepted
                + " (expected: " + expected + ")");
    }

    /** The tensor just completed, once its elements are checked. */
    private Tensor finish() {
        if (currentType == DType.FLOAT32) {
            if (finiteOnly && !finite) { // the decoder saw one: find the first, for the message
                FloatBuffer values = ((Storage.Float32) target.storage()).buffer();
                for (int i = 0, n = currentShape.size(); i < n; i++) {
                    if (!Float.isFinite(values.get(i))) {
                        throw nonFinite(i, values.get(i));
                    }
                }
            }
            return target;
        }
        if (finiteOnly) {
            for (int i = 0; i < doubles.length; i++) {
                if (!Double.isFinite(doubles[i])) {
                    throw nonFinite(i, doubles[i]);
                }
            }
        }
        return Tensor.wrap(currentShape, Storage.wrap(doubles)).named(current);
    }

    private WireFormatException nonFinite(int index, double value) {
        return new WireFormatException("tensor '" + current + "': element " + index + " of " + currentShape.size() + " is " + value
                + " (expected: finite values)");
    }

    private static long[] dims(TensorChunk chunk) {
        long[] dims = new long[chunk.getShapeCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = chunk.getShape(i);
        }
        return dims;
    }

    /** Compares as longs, so that no dimension sent, however large or negative, can overflow. */
    private static boolean sameDims(long[] dims, Shape shape) {
        if (dims.length != shape.rank()) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != shape.dim(i)) {
                return false;
            }
        }
        return true;
    }

    private static String dtypeName(TensorChunk chunk) {
        return chunk.getDtype() == dev.chainrule.proto.v1.DType.UNRECOGNIZED ? "dtype " + chunk.getDtypeValue()
                : chunk.getDtype().name().toLowerCase();
    }

    private static String encodingName(TensorChunk chunk) {
        return chunk.getEncoding() == Encoding.UNRECOGNIZED ? String.valueOf(chunk.getEncodingValue()) : chunk.getEncoding().name();
    }

    private static String lower(DType type) {
        return type.name().toLowerCase();
    }
}
