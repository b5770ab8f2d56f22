package dev.chainrule.wire;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rebuilds tensors from their chunks, checking the contract as they arrive: a known dtype, a shape
 * that matches the expected one, chunks of one tensor in order without gaps or overlaps, and no
 * bytes beyond the tensor's size. Lifecycle: {@link #accept} every chunk in order, then
 * {@link #complete}. Not thread-safe.
 */
public final class TensorAssembler {
    private final Map<String, Shape> expected;
    private final LinkedHashMap<String, Tensor> done = new LinkedHashMap<>();
    private String current;
    private Shape currentShape;
    private DType currentType;
    private byte[] bytes;
    private int filled;

    /** An assembler for tensors with exactly these names and shapes, arriving in any order of tensors. */
    public TensorAssembler(Map<String, Shape> expected) {
        this.expected = expected;
    }

    /** Takes the next chunk. */
    public void accept(TensorChunk chunk) {
        String name = chunk.getName();
        if (current == null) {
            start(chunk);
        } else if (!name.equals(current)) {
            throw new WireFormatException("tensor '" + name + "' started before '" + current + "' was complete ("
                    + filled + " of " + bytes.length + " bytes)");
        }
        if (!Shape.of(toInts(dims(chunk), name)).equals(currentShape) || WireDTypes.fromWire(chunk.getDtype(), name) != currentType) {
            throw new WireFormatException("tensor '" + name + "': a chunk changes the shape or dtype mid-tensor");
        }
        if (chunk.getOffset() != filled) {
            throw new WireFormatException("tensor '" + name + "': chunk at byte offset " + chunk.getOffset()
                    + " (expected: " + filled + ")");
        }
        int size = chunk.getData().size();
        if (size > bytes.length - filled) {
            throw new WireFormatException("tensor '" + name + "': " + (filled + size) + " bytes received for "
                    + currentShape + " " + currentType.name().toLowerCase() + " (expected: " + bytes.length + ")");
        }
        chunk.getData().copyTo(bytes, filled);
        filled += size;
        if (filled == bytes.length) {
            done.put(name, decode());
            current = null;
        }
    }

    /** The tensors received, by name; fails unless every expected tensor arrived whole. */
    public LinkedHashMap<String, Tensor> complete() {
        if (current != null) {
            throw new WireFormatException("tensor '" + current + "' is incomplete: " + filled + " of " + bytes.length + " bytes");
        }
        if (!done.keySet().equals(expected.keySet())) {
            java.util.Set<String> missing = new java.util.LinkedHashSet<>(expected.keySet());
            missing.removeAll(done.keySet());
            throw new WireFormatException("missing tensors " + missing);
        }
        return done;
    }

    private void start(TensorChunk chunk) {
        String name = chunk.getName();
        Shape shape = expected.get(name);
        if (shape == null) {
            throw new WireFormatException("unexpected tensor '" + name + "' (expected one of " + expected.keySet() + ")");
        }
        if (done.containsKey(name)) {
            throw new WireFormatException("tensor '" + name + "' sent twice");
        }
        long[] dims = dims(chunk);
        if (!Shape.of(toInts(dims, name)).equals(shape)) {
            throw new WireFormatException("tensor '" + name + "' has shape " + java.util.Arrays.toString(dims)
                    + " (expected: " + shape + ")");
        }
        current = name;
        currentShape = shape;
        currentType = WireDTypes.fromWire(chunk.getDtype(), name);
        bytes = new byte[shape.size() * currentType.bytes()];
        filled = 0;
    }

    private Tensor decode() {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (currentType == DType.FLOAT32) {
            float[] values = new float[currentShape.size()];
            buffer.asFloatBuffer().get(values);
            return Tensor.wrap(currentShape, Storage.wrap(values)).named(current);
        }
        double[] values = new double[currentShape.size()];
        buffer.asDoubleBuffer().get(values);
        return Tensor.wrap(currentShape, Storage.wrap(values)).named(current);
    }

    private static long[] dims(TensorChunk chunk) {
        long[] dims = new long[chunk.getShapeCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = chunk.getShape(i);
        }
        return dims;
    }

    private static int[] toInts(long[] dims, String name) {
        int[] ints = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new WireFormatException("tensor '" + name + "': dimension " + dims[i] + " out of range");
            }
            ints[i] = (int) dims[i];
        }
        return ints;
    }
}
