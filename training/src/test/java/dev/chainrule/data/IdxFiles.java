package dev.chainrule.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests. */
final class IdxFiles {
    private IdxFiles() {
    }

    /** The bytes of an IDX file: magic, big-endian int32 dims, then the data. */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian by default
        buffer.putInt(magic);
        for (int d : dims) {
            buffer.putInt(d);
        }
        buffer.put(data);
        return buffer.array();
    }

    static byte[] images(int count, int rows, int cols, byte[] pixels) {
        return idx(IdxReader.IMAGES_MAGIC, new int[] {count, rows, cols}, pixels);
    }

    static byte[] labels(int... labels) {
        byte[] data = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            data[i] = (byte) labels[i];
        }
        return idx(IdxReader.LABELS_MAGIC, new int[] {labels.length}, data);
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    static Path write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        return file;
    }

    /**
     * Writes a complete IDX directory: train has 3 images of 2×2 with labels 0,1,2; test has 2
     * images with labels 2,0. Pixels are the sample's index × 4 + position, except sample 0 of the
     * train set which is {0, 255, 51, 102}.
     */
    static void writeDirectory(Path dir, boolean gzip) throws IOException {
        byte[] train = {0, (byte) 255, 51, 102, 4, 5, 6, 7, 8, 9, 10, 11};
        byte[] test = {0, 1, 2, 3, 4, 5, 6, 7};
        String gz = gzip ? ".gz" : "";
        write(dir.resolve("train-images-idx3-ubyte" + gz), maybeGzip(images(3, 2, 2, train), gzip));
        write(dir.resolve("train-labels-idx1-ubyte" + gz), maybeGzip(labels(0, 1, 2), gzip));
        write(dir.resolve("t10k-images-idx3-ubyte" + gz), maybeGzip(images(2, 2, 2, test), gzip));
        write(dir.resolve("t10k-labels-idx1-ubyte" + gz), maybeGzip(labels(2, 0), gzip));
    }

    private static byte[] maybeGzip(byte[] raw, boolean gzip) {
        return gzip ? gzip(raw) : raw;
    }
}
