package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Bytes go out as they are, in one write of a length gRPC knows up front, and come back equal. */
class RawBytesMarshallerTest {
    private final RawBytesMarshaller marshaller = new RawBytesMarshaller();

    @Test
    void aStreamHasAKnownLengthAndDrainsItsBytesInOneWrite() throws IOException {
        byte[] bytes = {1, 2, 3, 4, 5, 6, 7};
        InputStream stream = marshaller.stream(bytes);
        assertTrue(stream instanceof KnownLength && stream instanceof Drainable, "gRPC frames it without a buffer of its own");
        assertEquals(7, stream.available());
        assertEquals(1, stream.read());
        CountingOutput out = new CountingOutput();
        assertEquals(6, ((Drainable) stream).drainTo(out));
        assertArrayEquals(new byte[] {2, 3, 4, 5, 6, 7}, out.toByteArray(), "what was not read yet");
        assertEquals(1, out.writes);
        assertEquals(0, stream.available());
        assertEquals(-1, stream.read());
    }

    @Test
    void whatIsStreamedParsesBackEqual() {
        byte[] bytes = {9, 8, 7};
        assertArrayEquals(bytes, marshaller.parse(marshaller.stream(bytes)));
    }

    /** Counts the writes it is given. */
    private static final class CountingOutput extends ByteArrayOutputStream {
        int writes;

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes++;
            super.write(b, off, len);
        }
    }
}
