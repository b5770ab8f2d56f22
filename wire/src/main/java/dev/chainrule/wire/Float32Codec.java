package dev.chainrule.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.proto.v1.Encoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * Dense float32 ({@link Encoding#ENCODING_DENSE} of a FLOAT32 tensor): 4 little-endian bytes per
 * element, lossless. The sender's bytes are a {@link #view} of the tensor's memory, no copy; the
 * receiver copies each block of a chunk into its tensor in bulk and checks it for NaN and ±Inf on the
 * way ({@link #decode}).
 */
final class Float32Codec extends ElementCodec {
    private final int[] bits = new int[BLOCK];

    /** The tensor's elements as little-endian bytes that view its memory (valid while the elements do not change). */
    static ByteString view(Storage.Float32 storage) {
        return UnsafeByteOperations.unsafeWrap(storage.littleEndianBytes());
    }

    @Override
    Encoding encoding() {
        return Encoding.ENCODING_DENSE;
    }

    @Override
    int unitBytes() {
        return Float.BYTES;
    }

    /** Copies the elements; nothing is left out, so {@code values} becomes zeros. */
    @Override
    void encode(float[] values, int n, ByteBuffer out) {
        out.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values, 0, n);
        out.position(out.position() + n * Float.BYTES);
        Arrays.fill(values, 0, n, 0f);
    }

    @Override
    boolean decode(ByteBuffer source, int first, int count, FloatBuffer into) {
        IntBuffer words = source.asIntBuffer();
        FloatBuffer floats = source.asFloatBuffer();
        int mask = 0;
        for (int done = 0; done < count; done += BLOCK) {
            int n = Math.min(BLOCK, count - done);
            words.get(done, bits, 0, n);
            mask |= nonFiniteMask(bits, n);
            into.put(first + done, floats, done, n);
        }
        source.position(source.position() + count * Float.BYTES);
        return mask >= 0;
    }
}
