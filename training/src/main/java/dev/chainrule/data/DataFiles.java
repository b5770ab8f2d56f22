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

    private DataFiles() {
    }

    /**
     * A buffered stream over the decompressed content of {@code file}: gzip is recognised by its
     * first two bytes {@code 1f 8b}, whatever the file is called.
     */
    static InputStream open(Path file) throws IOException {
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
     * Reads up to {@code length} bytes into {@code buffer}, stopping early only at the end of the
     * data (a gzip stream cut short counts as its end); returns the number of bytes read.
     */
    static int readUpTo(InputStream in, byte[] buffer, int length, Path file) throws IOException {
        int done = 0;
        try {
            while (done < length) {
                int n = in.read(buffer, done, length - done);
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
