package dev.chainrule.wire;

import dev.chainrule.proto.v1.Encoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * Top-k ({@link Encoding#TOP_K}): the k elements of largest magnitude as (uint32 index, float32
 * value) pairs, 8 bytes each, indices ascending ({@link TopK} selects them). The sender leaves 0 in
 * place of what it sent; the receiver, whose tensor starts at zeros, checks each index (below the
 * tensor's size, above the previous pair's) and writes the value there.
 */
final class TopKCodec extends ElementCodec {
    private final TopK topK = new TopK();
    private final int[] pairs = new int[2 * BLOCK];
    private String name;
    private int size;
    /** The element index of the current tensor's previous pair (-1 before the first). */
    private long previousIndex;

    @Override
    Encoding encoding() {
        return Encoding.TOP_K;
    }

    @Override
    int unitBytes() {
        return 2 * Integer.BYTES;
    }

    /** Writes as many pairs as {@code out} has room for, the largest magnitudes first chosen, in index order. */
    @Override
    void encode(float[] values, int n, ByteBuffer out) {
        int k = out.remaining() / unitBytes();
        int[] indices = topK.select(values, n, k);
        ByteBuffer to = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < k; j++) {
            int i = indices[j];
            to.putInt(i).putFloat(values[i]);
            values[i] = 0;
        }
        out.position(out.position() + k * unitBytes());
    }

    /** Zeroes {@code into}'s elements, which the pairs leave out. */
    @Override
    void start(String name, int size, FloatBuffer into) {
        this.name = name;
        this.size = size;
        this.previousIndex = -1;
        for (int i = 0; i < size; i++) {
            into.put(i, 0f);
        }
    }

    @Override
    boolean decode(ByteBuffer source, int first, int count, FloatBuffer into) {
        IntBuffer from = source.asIntBuffer();
        int mask = 0;
        for (int done = 0; done < count; done += BLOCK) {
            int n = Math.min(BLOCK, count - done);
            from.get(2 * done, pairs, 0, 2 * n);
            for (int j = 0; j < n; j++) {
                float value = Float.intBitsToFloat(pairs[2 * j + 1]);
                mask |= nonFiniteMask(value);
                into.put(index(first + done + j, pairs[2 * j]), value);
            }
        }
        source.position(source.position() + count * unitBytes());
        return mask >= 0;
    }

    /** The element index of pair {@code pair}, once checked: below the tensor's size and above the previous pair's. */
    private int index(int pair, int index) {
        long i = Integer.toUnsignedLong(index);
        if (i >= size || i <= previousIndex) {
            throw new WireFormatException("tensor '" + name + "': top-k pair " + pair + " has element index " + i + " (expected: "
                    + (pair > 0 ? "above " + previousIndex + ", the index of pair " + (pair - 1) + ", and " : "")
                    + "below " + size + ", the tensor's size)");
        }
        previousIndex = i;
        return (int) i;
    }
}
