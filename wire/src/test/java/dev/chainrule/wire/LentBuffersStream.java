package dev.chainrule.wire;

import io.grpc.Detachable;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A message stream that lends its buffers as gRPC's Netty transport does: direct buffers of
 * {@code piece} bytes each, {@link Detachable} (the detached stream takes them over) and
 * {@link HasByteBuffer}; like gRPC's, it gives back (here: overwrites with 0x5a) every buffer skipped
 * past unless {@link #mark marked}, and it counts how often the buffers' holder was closed.
 */
final class LentBuffersStream extends InputStream implements KnownLength, HasByteBuffer, Detachable {
    private final List<ByteBuffer> buffers;
    private int current;
    /** How many times a stream holding the buffers was closed (the detached one, or this one before detaching). */
    private final int[] closes;
    /** Whether the buffers went to a detached stream: this one is then empty. */
    private boolean lent;
    private boolean marked;

    /** {@code bytes} in direct buffers of {@code piece} bytes. */
    LentBuffersStream(byte[] bytes, int piece) {
        this(split(bytes, piece), new int[1]);
    }

    private LentBuffersStream(List<ByteBuffer> buffers, int[] closes) {
        this.buffers = buffers;
        this.closes = closes;
    }

    private static List<ByteBuffer> split(byte[] bytes, int piece) {
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += piece) {
            int n = Math.min(piece, bytes.length - at);
            buffers.add(ByteBuffer.allocateDirect(n).put(bytes, at, n).flip());
        }
        return buffers;
    }

    /** How many times the buffers were given back. */
    int closes() {
        return closes[0];
    }

    /** Whether the buffers were detached from this stream. */
    boolean detached() {
        return lent;
    }

    @Override
    public int available() {
        int n = 0;
        for (int i = current; i < buffers.size(); i++) {
            n += buffers.get(i).remaining();
        }
        return lent ? 0 : n;
    }

    @Override
    public int read() {
        while (current < buffers.size() && !buffers.get(current).hasRemaining()) {
            current++;
        }
        return lent || current == buffers.size() ? -1 : buffers.get(current).get() & 0xff;
    }

    @Override
    public long skip(long n) {
        long skipped = 0;
        while (skipped < n && current < buffers.size()) {
            ByteBuffer b = buffers.get(current);
            int step = (int) Math.min(n - skipped, b.remaining());
            b.position(b.position() + step);
            skipped += step;
            if (!b.hasRemaining()) {
                if (!marked) {
                    for (int i = 0; i < b.limit(); i++) {
                        b.put(i, (byte) 0x5a);
                    }
                }
                current++;
            }
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return true;
    }

    @Override
    public void mark(int limit) {
        marked = true;
    }

    @Override
    public boolean byteBufferSupported() {
        return true;
    }

    @Override
    public ByteBuffer getByteBuffer() {
        return current == buffers.size() ? null : buffers.get(current).slice();
    }

    @Override
    public InputStream detach() {
        lent = true;
        return new LentBuffersStream(buffers.subList(current, buffers.size()), closes);
    }

    @Override
    public void close() {
        if (!lent) {
            closes[0]++;
        }
    }
}
