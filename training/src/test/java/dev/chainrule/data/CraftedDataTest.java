package dev.chainrule.data;

import static dev.chainrule.data.IdxFiles.gzip;
import static dev.chainrule.data.IdxFiles.images;
import static dev.chainrule.data.IdxFiles.write;
import static dev.chainrule.data.IdxReaderTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/**
 * Data files whose headers claim more than they hold, or whose lines never end, are refused before
 * memory is allocated for the claim, quickly, naming the file, quoting at most an excerpt.
 */
class CraftedDataTest {
    /** Far more than any of these takes on an idle machine (well under a second), to stay clear of a busy one. */
    private static final Duration QUICKLY = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private static DataFileException refused(Executable read) {
        return assertTimeoutPreemptively(QUICKLY, () -> assertThrows(DataFileException.class, read));
    }

    private static byte[] labelsClaiming(int count, int present) {
        return IdxFiles.idx(IdxReader.LABELS_MAGIC, new int[] {count}, new byte[present]);
    }

    @Test
    void aRawIdxFileThatClaimsMoreImagesThanItHoldsIsRefusedByItsSize() throws IOException {
        Path file = write(dir.resolve("images"), images(2_000_000, 28, 28, new byte[96 * 1024]));
        DataFileException e = refused(() -> IdxReader.readImages(file));
        assertMessage(e, file.toString(), "truncated: expected 1568000016 bytes (2000000 images of 28×28)",
                "found 98320 bytes (125 complete images)");
        Path labels = write(dir.resolve("labels"), labelsClaiming(Integer.MAX_VALUE - 100, 10));
        e = refused(() -> IdxReader.readLabels(labels));
        assertMessage(e, labels.toString(), "truncated: expected 2147483555 bytes (2147483547 labels)", "found 18 bytes (10 labels)");
        Path tooMany = write(dir.resolve("too-many"), images(33_554_431, 28, 28, new byte[1024]));
        e = refused(() -> IdxReader.readImages(tooMany));
        assertMessage(e, "33554431 images of 28×28 are 26306673904 bytes, more than one Java array holds");
    }

    @Test
    void aGzipIdxFileThatClaimsMoreThanItCanHoldIsRefusedBeforeDecompressing() throws IOException {
        byte[] compressed = gzip(images(2_000_000, 28, 28, new byte[96 * 1024]));
        Path file = write(dir.resolve("images.gz"), compressed);
        DataFileException e = refused(() -> IdxReader.readImages(file));
        assertMessage(e, file.toString(), "its header claims 2000000 images of 28×28, 1568000016 bytes, more than a gzip file of "
                + compressed.length + " bytes can hold (at most " + compressed.length * 1032L + ")");
    }

    @Test
    void aGzipIdxFileWhoseDataEndsEarlyIsTruncatedAfterReadingOnlyWhatItHolds() throws IOException {
        Path file = write(dir.resolve("labels.gz"), gzip(labelsClaiming(20_000, 10)));
        DataFileException e = refused(() -> IdxReader.readLabels(file));
        assertMessage(e, file.toString(), "truncated: expected 20008 bytes (20000 labels), found 18 bytes (10 labels)");
        int[] whole = IdxReader.readLabels(write(dir.resolve("whole.gz"), gzip(labelsClaiming(200_000, 200_000))));
        assertEquals(200_000, whole.length, "an array grown with the data holds all of it");
    }

    @Test
    void aCsvLineThatNeverEndsIsRefusedAfterTheLongestLineAllowed() throws IOException {
        Path file = Files.writeString(dir.resolve("endless.csv"), "1,2\n" + "3".repeat(CsvReader.MAX_LINE_CHARS + 10));
        DataFileException e = refused(() -> CsvReader.read(file));
        assertEquals(file + ": line 2 is longer than 4194304 characters, the most a line may have (is this a CSV file?)",
                e.getMessage());
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.isReadable(zero), "/dev/zero");
        e = refused(() -> CsvReader.read(zero));
        assertMessage(e, "/dev/zero: line 1 is longer than 4194304 characters");
    }

    @Test
    void aHugeFieldIsQuotedAsAnExcerpt() throws IOException {
        Path file = Files.writeString(dir.resolve("huge.csv"), "1,2\n0," + "9".repeat(1_000_000) + "x\n");
        DataFileException e = refused(() -> CsvReader.read(file));
        assertMessage(e, "line 2, column 2: \"99999999999999999999999999999999…(1000001 characters)\" is not a number");
        assertTrue(e.getMessage().length() < 300, e.getMessage());
    }

    @Test
    void aDirectoryIsNotADataFile() {
        DataFileException e = refused(() -> CsvReader.read(dir));
        assertEquals(dir + ": is a directory (expected: a data file)", e.getMessage());
        assertTrue(Arrays.asList(e.getMessage().split(" ")).stream().noneMatch(w -> w.contains("Exception")), e.getMessage());
    }
}
