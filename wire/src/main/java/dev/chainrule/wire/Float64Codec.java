package dev.chainrule.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.chainrule.proto.v1.Encoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Dense float64 ({@link Encoding#ENCODING_DENSE} of a FLOAT64 tensor, for tests and tools): 8
 * little-endian bytes per element, copied once each way.
 */
final class Float64Codec {
    private Float64Codec() {
    }

    /** The elements as little-endian bytes, in an array of their own. */
    static ByteString encode(double[] values) {
        byte[] bytes = new byte[values.length * Double.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().put(values);
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    /** Decodes {@code count} elements from {@code source}'s position on (advancing it) into {@code into[first, first + count)}. */
    static void decode(ByteBuffer source, int first, int count, double[] into) {
        source.asDoubleBuffer().get(0, into, first, count);
        source.position(source.position() + count * Double.BYTES);
    }
}
