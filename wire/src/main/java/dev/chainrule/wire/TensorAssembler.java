package dev.chainrule.wire;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
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
 * expected shape, a known dtype (or the one {@link #requireDType required}), chunks of one tensor in
 * order without gaps or overlaps, none empty or longer than {@link #maxChunkBytes a maximum}, no bytes
 * beyond the tensor's size and, when {@link #requireFinite required}, no NaN or ±Inf element (checked
 * as each tensor completes, before it is handed out). Every failure is a {@link WireFormatException}
 * naming the tensor, what was expected and what arrived.
 *
 * <p>float32 elements are copied once, from each chunk's bytes straight into the buffer of the tensor
 * they belong to: a new one, or the caller's own ({@link #into}), such as a model's parameters or
 * recycled gradient buffers.
 *
 * <p>Lifecycle: configure, {@link #accept} every chunk in order, then {@link #complete}. Not thread-safe.
 */
public final class TensorAssembler {
    private final Map<String, Shape> expected;
    private final LinkedHashMap<String, Tensor> done = new LinkedHashMap<>();
    private DType requiredType;
    private boolean finiteOnly;
    private int maxChunk = Integer.MAX_VALUE;
    private Map<String, Tensor> destinations;
    private String current;
    private Shape currentShape;
    private DType currentType;
    /** The current tensor's size in bytes. */
    private int byteLength;
    /** The current float32 tensor's elements, written in place as its chunks arrive. */
    private Tensor target;
    /** The current float64 tensor's bytes (float64 is for tests and tools; it takes the plain path). */
    private byte[] bytes;
    /** The bytes of a float32 element cut in two by a chunk boundary, until its other part arrives. */
    private final byte[] split = new byte[Float.BYTES];
    private int filled;

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

    /** Refuses chunks carrying more than {@code max} bytes of element data; returns this assembler. */
    public TensorAssembler maxChunkBytes(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max : " + max + " (expected: >= 1)");
        }
        this.maxChunk = max;
        return this;
    }

    /** Takes the next chunk. */
    public void accept(TensorChunk chunk) {
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
        if (currentType == DType.FLOAT32) {
            putFloat32(chunk.getData());
        } else {
            chunk.getData().copyTo(bytes, filled);
            filled += size;
        }
        if (filled == byteLength) {
            done.put(name, finish());
            current = null;
            target = null;
            bytes = null;
        }
    }

    /**
     * Copies {@code data}, the next little-endian bytes of the current float32 tensor, into its
     * buffer: the whole elements in one bulk copy, an element cut by a chunk boundary byte by byte.
     */
    private void putFloat32(ByteString data) {
        FloatBuffer into = ((Storage.Float32) target.storage()).buffer();
        ByteBuffer source = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        while (filled % Float.BYTES != 0 && source.hasRemaining()) {
            split[filled++ % Float.BYTES] = source.get();
            if (filled % Float.BYTES == 0) {
                into.put(filled / Float.BYTES - 1, ByteBuffer.wrap(split).order(ByteOrder.LITTLE_ENDIAN).getFloat(0));
            }
        }
        int whole = source.remaining() / Float.BYTES;
        if (whole > 0) {
            into.put(filled / Float.BYTES, source.asFloatBuffer(), 0, whole);
            source.position(source.position() + whole * Float.BYTES);
            filled += whole * Float.BYTES;
        }
        while (source.hasRemaining()) {
            split[filled++ % Float.BYTES] = source.get();
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
        current = name;
        currentShape = shape;
        currentType = type;
        byteLength = shape.size() * type.bytes();
        if (type == DType.FLOAT32) {
            target = destinations != null ? destinations.get(name)
                    : Tensor.wrap(shape, Storage.allocateLasting(DType.FLOAT32, shape.size())).named(name);
        } else {
            bytes = new byte[byteLength];
        }
        filled = 0;
    }

    /** The tensor just completed, once its elements are checked. */
    private Tensor finish() {
        if (currentType == DType.FLOAT32) {
            if (finiteOnly) {
                FloatBuffer values = ((Storage.Float32) target.storage()).buffer();
                for (int i = 0, n = currentShape.size(); i < n; i++) {
                    if (!Float.isFinite(values.get(i))) {
                        throw nonFinite(i, values.get(i));
                    }
                }
            }
            return target;
        }
        double[] values = new double[currentShape.size()];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
        if (finiteOnly) {
            for (int i = 0; i < values.length; i++) {
                if (!Double.isFinite(values[i])) {
                    throw nonFinite(i, values[i]);
                }
            }
        }
        return Tensor.wrap(currentShape, Storage.wrap(values)).named(current);
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

    private static String lower(DType type) {
        return type.name().toLowerCase();
    }
}
