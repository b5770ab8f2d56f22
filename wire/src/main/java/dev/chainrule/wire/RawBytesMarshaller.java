package dev.chainrule.wire;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A message's bytes as they are, unparsed: for a message serialised once and sent on many streams
 * (the coordinator's weights), and for probes and tests that send what no generated type would. gRPC
 * copies the bytes into its own buffers once, straight from the array.
 */
public final class RawBytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
        return new ArrayStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
        try {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An array's bytes, whose length gRPC knows before it frames them and which it drains in one write. */
    private static final class ArrayStream extends ByteArrayInputStream implements KnownLength, Drainable {
        ArrayStream(byte[] bytes) {
            super(bytes);
        }

        @Override
        public synchronized int drainTo(OutputStream target) throws IOException {
            int length = count - pos;
            target.write(buf, pos, length);
            pos = count;
            return length;
        }
    }
}
