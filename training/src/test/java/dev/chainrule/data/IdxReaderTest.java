package dev.chainrule.data;

import static dev.chainrule.data.IdxFiles.gzip;
import static dev.chainrule.data.IdxFiles.images;
import static dev.chainrule.data.IdxFiles.labels;
import static dev.chainrule.data.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    @Test
    void scalesPixelsToZeroOneAsFloat32AndFlattensRowMajor() throws IOException {
        // one image, 2 rows × 3 columns: row 0 = 0, 255, 128; row 1 = 1, 2, 3
        byte[] pixels = {0, (byte) 255, (byte) 128, 1, 2, 3};
        Path file = write(dir.resolve("train-images-idx3-ubyte"), images(1, 2, 3, pixels));
        IdxReader.Images read = IdxReader.readImages(file);
        assertEquals(1, read.count());
        assertEquals(2, read.rows());
        assertEquals(3, read.cols());
        assertEquals(6, read.width());
        assertArrayEquals(new float[] {0f, 1f, 128f / 255f, 1f / 255f, 2f / 255f, 3f / 255f}, read.pixels());
        assertEquals(0f, read.pixels()[0]);
        assertEquals(1.0f, read.pixels()[1]);
        for (int b = 0; b < 256; b++) { // float32 division, bit for bit, as PyTorch's ToTensor
            byte[] one = {(byte) b};
            float value = IdxReader.readImages(write(dir.resolve("one"), images(1, 1, 1, one))).pixels()[0];
            assertEquals(Float.floatToIntBits((float) (b & 0xff) / 255f), Float.floatToIntBits(value), "byte " + b);
        }
    }

    @Test
    void readsGzipByItsMagicBytesWhateverTheName() throws IOException {
        byte[] pixels = {0, (byte) 255, 10, 20};
        Path gzipNamedRaw = write(dir.resolve("train-images-idx3-ubyte"), gzip(images(1, 2, 2, pixels)));
        Path rawNamedGzip = write(dir.resolve("t10k-images-idx3-ubyte.gz"), images(1, 2, 2, pixels));
        assertArrayEquals(IdxReader.readImages(rawNamedGzip).pixels(), IdxReader.readImages(gzipNamedRaw).pixels());
        Path labels = write(dir.resolve("labels.gz"), gzip(labels(7, 200, 0)));
        assertArrayEquals(new int[] {7, 200, 0}, IdxReader.readLabels(labels));
    }

    @Test
    void wrongMagicSaysExpectedAndFoundInHex() throws IOException {
        Path labelsAsImages = write(dir.resolve("train-images-idx3-ubyte"), labels(1, 2));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(labelsAsImages));
        assertMessage(e, labelsAsImages.toString(), "wrong magic number", "expected 0x00000803", "found 0x00000801");

        Path imagesAsLabels = write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(images(1, 1, 1, new byte[1])));
        e = assertThrows(DataFileException.class, () -> IdxReader.readLabels(imagesAsLabels));
        assertMessage(e, imagesAsLabels.toString(), "expected 0x00000801", "found 0x00000803");

        Path text = write(dir.resolve("notes"), "hello, world".getBytes());
        e = assertThrows(DataFileException.class, () -> IdxReader.readImages(text));
        assertMessage(e, "notes", "found 0x68656C6C", "not an IDX file");
    }

    @Test
    void truncatedFilesSayBytesAndRecordsExpectedAndFound() throws IOException {
        byte[] full = images(3, 2, 2, new byte[12]); // 16 + 12 bytes
        Path raw = write(dir.resolve("short-images"), Arrays.copyOf(full, 16 + 9));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(raw));
        assertMessage(e, "short-images", "truncated", "expected 28 bytes (3 images of 2×2)",
                "found 25 bytes (2 complete images)");

        Path gz = write(dir.resolve("short-images.gz"), gzip(Arrays.copyOf(full, 16 + 9)));
        e = assertThrows(DataFileException.class, () -> IdxReader.readImages(gz));
        assertMessage(e, "short-images.gz", "expected 28 bytes", "found 25 bytes");

        Path cutGzip = write(dir.resolve("cut.gz"), Arrays.copyOf(gzip(full), 20));
        e = assertThrows(DataFileException.class, () -> IdxReader.readImages(cutGzip));
        assertMessage(e, "cut.gz", "truncated");

        Path header = write(dir.resolve("header-only"), Arrays.copyOf(full, 10));
        e = assertThrows(DataFileException.class, () -> IdxReader.readImages(header));
        assertMessage(e, "header-only", "truncated", "header of 16 bytes", "found 10 bytes");

        Path labels = write(dir.resolve("short-labels"), Arrays.copyOf(labels(1, 2, 3, 4), 8 + 2));
        e = assertThrows(DataFileException.class, () -> IdxReader.readLabels(labels));
        assertMessage(e, "short-labels", "expected 12 bytes (4 labels)", "found 10 bytes (2 labels)");
    }

    @Test
    void bytesAfterTheDataAreAnError() throws IOException {
        byte[] full = labels(1, 2);
        Path file = write(dir.resolve("long-labels"), Arrays.copyOf(full, full.length + 3));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readLabels(file));
        assertMessage(e, "long-labels", "expected 10 bytes", "found 13", "3 bytes after");
    }

    @Test
    void negativeDimensionsAreAnError() throws IOException {
        Path file = write(dir.resolve("negative"), IdxFiles.idx(IdxReader.IMAGES_MAGIC, new int[] {1, -2, 2}, new byte[0]));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(file));
        assertMessage(e, "negative", "dimension 1 is negative");
    }

    @Test
    void missingFileNamesIt() {
        Path file = dir.resolve("nothing-here");
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.readImages(file));
        assertMessage(e, file.toString(), "cannot read");
        assertTrue(Files.notExists(file));
    }

    static void assertMessage(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "message lacks \"" + part + "\": " + e.getMessage());
        }
    }
}
