package dev.chainrule.weights;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads from a file or from bytes in memory, so that one reader serves both. */
interface ByteSource {
    /** Total number of bytes. */
    long size() throws IOException;

    /** Fills {@code dst} (from its position to its limit) with the bytes starting at {@code position}. */
    void readFully(long position, ByteBuffer dst) throws IOException;

    /** The content of an open file channel (not closed by this source). */
    static ByteSource of(FileChannel channel) {
        return new ByteSource() {
            @Override
            public long size() throws IOException {
                return channel.size();
            }

            @Override
            public void readFully(long position, ByteBuffer dst) throws IOException {
                long at = position;
                while (dst.hasRemaining()) {
                    int n = channel.read(dst, at);
                    if (n < 0) {
                        throw new EOFException("unexpected end of file at byte " + at + " (did the file shrink while being read?)");
                    }
                    at += n;
                }
            }
        };
    }

    /** The given bytes (not copied). */
    static ByteSource of(byte[] bytes) {
        return new ByteSource() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public void readFully(long position, ByteBuffer dst) throws IOException {
                if (position < 0 || position + dst.remaining() > bytes.length) {
                    throw new EOFException("bytes [" + position + ", " + (position + dst.remaining())
                            + ") are outside the " + bytes.length + " bytes");
                }
                dst.put(bytes, (int) position, dst.remaining());
            }
        };
    }
}
