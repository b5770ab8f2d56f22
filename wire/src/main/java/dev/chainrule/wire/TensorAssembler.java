package dev.chainrule.wire;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * <p>Lifecycle: configure, {@link #accept} every chunk in order, then {@link #complete}. Not thread-safe.
 */
public final class TensorAssembler {
    private final Map<String, Shape> expected;
    private final LinkedHashMap<String, Tensor> done = new LinkedHashMap<>();
    private DType requiredType;
    private boolean finiteOnly;
    private int maxChunk = Integer.MAX_VALUE;
    private String current;
    private Shape currentShape;
    private DType currentType;
    private byte[] bytes;
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
                    + " (expected: the rest of '" + current + "' from byte offset " + filled + " of " + bytes.length + ")");
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
        if (size == 0 && bytes.length > 0) {
            throw new WireFormatException("tensor '" + name + "': a chunk with no data at byte offset " + filled
                    + " (expected: between 1 and " + Math.min(maxChunk, bytes.length - filled) + " bytes)");
        }
        if (size > bytes.length - filled) {
            throw new WireFormatException("tensor '" + name + "': " + ((long) filled + size) + " bytes received for "
                    + currentShape + " " + lower(currentType) + " (expected: " + bytes.length + ")");
        }
        chunk.getData().copyTo(bytes, filled);
        filled += size;
        if (filled == bytes.length) {
            done.put(name, decode());
            current = null;
            bytes = null;
        }
    }

    /** The tensors received, by name; fails unless every expected tensor arrived whole. */
    public LinkedHashMap<String, Tensor> complete() {
        if (current != null) {
            throw new WireFormatException("tensor '" + current + "' is incomplete: " + filled + " of " + bytes.length + " bytes");
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
            return "the rest of tensor '" + current + "' from byte offset " + filled + " of " + bytes.length;
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
        bytes = new byte[shape.size() * type.bytes()];
        filled = 0;
    }

    private Tensor decode() {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (currentType == DType.FLOAT32) {
            float[] values = new float[currentShape.size()];
            buffer.asFloatBuffer().get(values);
            if (finiteOnly) {
                for (int i = 0; i < values.length; i++) {
                    if (!Float.isFinite(values[i])) {
                        throw nonFinite(i, values[i]);
                    }
                }
            }
            return Tensor.wrap(currentShape, Storage.copyOf(values)).named(current);
        }
        double[] values = new double[currentShape.size()];
        buffer.asDoubleBuffer().get(values);
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
