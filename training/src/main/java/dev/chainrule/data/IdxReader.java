package dev.chainrule.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Reads one IDX file of unsigned-byte images or labels (the MNIST format), raw or gzip.
 *
 * <p>An IDX file starts with a big-endian int32 magic number {@code 0x0000TTDD} (type {@code TT},
 * {@code 0x08} for unsigned byte; {@code DD} dimensions), then one big-endian int32 per dimension,
 * then the elements in row-major order. Images are {@code 0x00000803} (count, rows, columns);
 * labels are {@code 0x00000801} (count).
 */
final class IdxReader {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    /** {@code (float) b / 255f} for every unsigned byte b: float32 division, as PyTorch's ToTensor. */
    private static final float[] SCALED = scaledBytes();

    /** Images read from an IDX file: {@code pixels} holds {@code count} images of {@code rows × cols}, each flattened row-major. */
    record Images(int count, int rows, int cols, float[] pixels) {
        int width() {
            return rows * cols;
        }
    }

    private IdxReader() {
    }

    /** Reads an images file; pixel {@code b} becomes {@code (float) (b & 0xff) / 255f}. */
    static Images readImages(Path file) {
        try (InputStream in = DataFiles.open(file)) {
            int[] header = readHeader(in, file, IMAGES_MAGIC, "unsigned-byte images, 3 dimensions");
            int count = header[0];
            int rows = header[1];
            int cols = header[2];
            long width = (long) rows * cols;
            long total = count * width;
            if (total > Integer.MAX_VALUE - 8) {
                throw new DataFileException(file, count + " images of " + rows + "×" + cols + " are " + total
                        + " pixels, more than one Java array holds (" + (Integer.MAX_VALUE - 8) + ")");
            }
            float[] pixels = new float[(int) total];
            byte[] chunk = new byte[DataFiles.BUFFER];
            int done = 0;
            while (done < total) {
                int want = (int) Math.min(chunk.length, total - done);
                int got = DataFiles.readUpTo(in, chunk, want, file);
                for (int i = 0; i < got; i++) {
                    pixels[done + i] = SCALED[chunk[i] & 0xff];
                }
                done += got;
                if (got < want) {
                    throw truncated(file, header.length, total, done, count + " images of " + rows + "×" + cols,
                            done / width + " complete images");
                }
            }
            requireNoTrailingBytes(in, file, header.length, total);
            return new Images(count, rows, cols, pixels);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read: " + e, e);
        }
    }

    /** Reads a labels file; each label is an unsigned byte, 0 to 255. */
    static int[] readLabels(Path file) {
        try (InputStream in = DataFiles.open(file)) {
            int[] header = readHeader(in, file, LABELS_MAGIC, "unsigned-byte labels, 1 dimension");
            int count = header[0];
            int[] labels = new int[count];
            byte[] chunk = new byte[DataFiles.BUFFER];
            int done = 0;
            while (done < count) {
                int want = Math.min(chunk.length, count - done);
                int got = DataFiles.readUpTo(in, chunk, want, file);
                for (int i = 0; i < got; i++) {
                    labels[done + i] = chunk[i] & 0xff;
                }
                done += got;
                if (got < want) {
                    throw truncated(file, header.length, count, done, count + " labels", done + " labels");
                }
            }
            requireNoTrailingBytes(in, file, header.length, count);
            return labels;
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read: " + e, e);
        }
    }

    /** Reads and checks the magic number and the dimensions that follow it; returns the dimensions. */
    private static int[] readHeader(InputStream in, Path file, int magic, String meaning) throws IOException {
        int dims = magic & 0xff;
        int headerBytes = 4 + 4 * dims;
        byte[] header = new byte[headerBytes];
        int got = DataFiles.readUpTo(in, header, headerBytes, file);
        if (got >= 4) {
            int found = bigEndianInt(header, 0);
            if (found != magic) {
                throw new DataFileException(file, "wrong magic number: expected " + hex(magic) + " (" + meaning
                        + "), found " + hex(found) + " (" + describe(found) + ")");
            }
        }
        if (got < headerBytes) {
            throw new DataFileException(file, "truncated: expected an IDX header of " + headerBytes + " bytes, found "
                    + got + " bytes");
        }
        int[] sizes = new int[dims];
        for (int d = 0; d < dims; d++) {
            sizes[d] = bigEndianInt(header, 4 + 4 * d);
            if (sizes[d] < 0) {
                throw new DataFileException(file, "dimension " + d + " is negative: " + sizes[d]
                        + " (read as a big-endian int32)");
            }
        }
        return sizes;
    }

    private static DataFileException truncated(Path file, int dims, long elements, long elementsRead,
            String expected, String found) {
        long headerBytes = 4 + 4L * dims;
        return new DataFileException(file, "truncated: expected " + (headerBytes + elements) + " bytes (" + expected
                + "), found " + (headerBytes + elementsRead) + " bytes (" + found + ")");
    }

    private static void requireNoTrailingBytes(InputStream in, Path file, int dims, long elements) throws IOException {
        long extra = DataFiles.remaining(in, file);
        if (extra > 0) {
            long expected = 4 + 4L * dims + elements;
            throw new DataFileException(file, "expected " + expected + " bytes from its header, found " + (expected + extra)
                    + " (" + extra + " bytes after the last element)");
        }
    }

    private static int bigEndianInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    static String hex(int value) {
        return String.format("0x%08X", value);
    }

    private static String describe(int magic) {
        if ((magic >>> 16) != 0) {
            return "not an IDX file";
        }
        return "IDX type 0x" + String.format("%02X", (magic >>> 8) & 0xff) + ", " + (magic & 0xff) + " dimensions";
    }

    private static float[] scaledBytes() {
        float[] table = new float[256];
        for (int b = 0; b < 256; b++) {
            table[b] = (float) b / 255f;
        }
        return table;
    }
}
