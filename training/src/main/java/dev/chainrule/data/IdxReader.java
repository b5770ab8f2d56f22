package dev.chainrule.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.LongFunction;

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

    /** The most elements one file may hold: the largest Java array. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

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
            String claim = count + " images of " + rows + "×" + cols;
            byte[] bytes = readElements(in, file, header.length, count, width, claim, done -> done / width + " complete images");
            float[] pixels = new float[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                pixels[i] = SCALED[bytes[i] & 0xff];
            }
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
            byte[] bytes = readElements(in, file, header.length, count, 1, count + " labels", done -> done + " labels");
            int[] labels = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                labels[i] = bytes[i] & 0xff;
            }
            return labels;
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read: " + e, e);
        }
    }

    /**
     * The {@code records × width} unsigned bytes after the header, and nothing after them. The claim
     * is checked against what the file can hold before anything is allocated: a raw file must have
     * exactly that size, a gzip file must be large enough to decompress to it; the array then grows
     * with the data that really arrives, so a header that claims more than the data holds costs no
     * more than the data.
     *
     * @param claim what the header claims, for messages ("3 images of 28×28")
     * @param found what {@code n} bytes of elements hold, for messages ("2 complete images")
     */
    private static byte[] readElements(InputStream in, Path file, int dims, long records, long width, String claim,
            LongFunction<String> found) throws IOException {
        long headerBytes = 4 + 4L * dims;
        long total;
        try {
            total = Math.multiplyExact(records, width);
        } catch (ArithmeticException e) {
            total = Long.MAX_VALUE;
        }
        if (total > MAX_ELEMENTS) {
            throw new DataFileException(file, claim + " are " + (total == Long.MAX_VALUE ? "more than 2^63" : Long.toString(total))
                    + " bytes, more than one Java array holds (" + MAX_ELEMENTS + ")");
        }
        DataFiles.Capacity capacity = DataFiles.capacity(file);
        if (capacity.exact() && capacity.bytes() < headerBytes + total) {
            throw truncated(file, headerBytes, total, capacity.bytes() - headerBytes, claim, found);
        }
        if (capacity.exact() && capacity.bytes() > headerBytes + total) {
            throw trailing(file, headerBytes + total, capacity.bytes() - headerBytes - total);
        }
        if (headerBytes + total > capacity.bytes()) {
            throw new DataFileException(file, "its header claims " + claim + ", " + (headerBytes + total) + " bytes, more than "
                    + capacity.describe());
        }
        byte[] elements = new byte[(int) Math.min(total, capacity.exact() ? total : DataFiles.BUFFER)];
        int done = 0;
        while (done < total) {
            if (done == elements.length) {
                elements = Arrays.copyOf(elements, (int) Math.min(total, 2L * elements.length));
            }
            int want = Math.min(elements.length - done, DataFiles.BUFFER);
            int got = DataFiles.readUpTo(in, elements, done, want, file);
            done += got;
            if (got < want) {
                throw truncated(file, headerBytes, total, done, claim, found);
            }
        }
        long extra = DataFiles.remaining(in, file);
        if (extra > 0) {
            throw trailing(file, headerBytes + total, extra);
        }
        return elements;
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

    private static DataFileException truncated(Path file, long headerBytes, long elements, long elementsRead, String claim,
            LongFunction<String> found) {
        return new DataFileException(file, "truncated: expected " + (headerBytes + elements) + " bytes (" + claim
                + "), found " + (headerBytes + elementsRead) + " bytes (" + found.apply(elementsRead) + ")");
    }

    private static DataFileException trailing(Path file, long expected, long extra) {
        return new DataFileException(file, "expected " + expected + " bytes from its header, found " + (expected + extra)
                + " (" + extra + " bytes after the last element)");
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
