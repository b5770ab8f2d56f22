package dev.chainrule.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Opens data files for buffered reading, gunzipping them when their content starts with the gzip magic bytes. */
final class DataFiles {
    static final int BUFFER = 1 << 16;
    /** Deflate expands a compressed byte into at most 1032 bytes (a 258-byte match per 2 bits). */
    static final long MAX_GZIP_RATIO = 1032;

    private DataFiles() {
    }

    /**
     * A buffered stream over the decompressed content of {@code file}: gzip is recognised by its
     * first two bytes {@code 1f 8b}, whatever the file is called. A directory is a {@link DataFileException}.
     */
    static InputStream open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new DataFileException(file, "is a directory (expected: a data file)");
        }
        InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
            }
            return in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * How many bytes of content a file can hold, known before reading it: exactly its size when it
     * is a raw regular file; at most {@link #MAX_GZIP_RATIO} times its size when it is gzip; no bound
     * for a pipe or a device.
     *
     * @param bytes the exact or greatest number of content bytes
     * @param exact whether {@code bytes} is the exact number
     * @param fileBytes the file's own size (0 for a pipe or a device)
     */
    record Capacity(long bytes, boolean exact, long fileBytes) {
        /** The bound as a phrase for messages: "a gzip file of 96 bytes can hold (at most 99,072)". */
        String describe() {
            return exact ? "the file's " + bytes + " bytes" : "a gzip file of " + fileBytes + " bytes can hold (at most " + bytes + ")";
        }
    }

    /** What {@code file} can hold ({@link Capacity}). */
    static Capacity capacity(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return new Capacity(Long.MAX_VALUE, false, 0);
        }
        long size = Files.size(file);
        boolean gzip;
        try (InputStream in = Files.newInputStream(file)) {
            gzip = in.read() == 0x1f && in.read() == 0x8b;
        }
        return gzip ? new Capacity(size > Long.MAX_VALUE / MAX_GZIP_RATIO ? Long.MAX_VALUE : size * MAX_GZIP_RATIO, false, size)
                : new Capacity(size, true, size);
    }

    /** Reads up to {@code length} bytes into the start of {@code buffer}, as {@link #readUpTo(InputStream, byte[], int, int, Path)}. */
    static int readUpTo(InputStream in, byte[] buffer, int length, Path file) throws IOException {
        return readUpTo(in, buffer, 0, length, file);
    }

    /**
     * Reads up to {@code length} bytes into {@code buffer} from {@code offset}, stopping early only
     * at the end of the data (a gzip stream cut short counts as its end); returns the number of
     * bytes read.
     */
    static int readUpTo(InputStream in, byte[] buffer, int offset, int length, Path file) throws IOException {
        int done = 0;
        try {
            while (done < length) {
                int n = in.read(buffer, offset + done, length - done);
                if (n < 0) {
                    break;
                }
                done += n;
            }
        } catch (EOFException truncatedGzip) {
            return done;
        } catch (ZipException e) {
            throw new DataFileException(file, "corrupt gzip data: " + e.getMessage(), e);
        }
        return done;
    }

    /** The number of bytes left in {@code in} (a gzip stream cut short counts as its end). */
    static long remaining(InputStream in, Path file) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long count = 0;
        int n;
        while ((n = readUpTo(in, buffer, buffer.length, file)) > 0) {
            count += n;
        }
        return count;
    }
}
