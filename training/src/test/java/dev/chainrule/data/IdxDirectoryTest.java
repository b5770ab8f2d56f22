package dev.chainrule.data;

import static dev.chainrule.data.IdxFiles.gzip;
import static dev.chainrule.data.IdxFiles.images;
import static dev.chainrule.data.IdxFiles.labels;
import static dev.chainrule.data.IdxFiles.write;
import static dev.chainrule.data.IdxReaderTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void loadsRawDirectory() throws IOException {
        IdxFiles.writeDirectory(dir, false);
        checkSplit(DataSplit.fromIdx(dir));
    }

    @Test
    void loadsGzipDirectory() throws IOException {
        IdxFiles.writeDirectory(dir, true);
        checkSplit(DataSplit.fromIdx(dir));
    }

    private static void checkSplit(DataSplit split) {
        Dataset train = split.train();
        assertEquals(3, train.size());
        assertEquals(4, train.features());
        assertEquals(4, split.features());
        assertEquals(3, train.numClassesSeen());
        assertEquals(0f, train.feature(0, 0));
        assertEquals(1.0f, train.feature(0, 1));
        assertEquals(0.2f, train.feature(0, 2));
        assertEquals((float) 11 / 255f, train.feature(2, 3));
        assertEquals(2, train.label(2));
        assertEquals(2, split.test().size());
        assertEquals(2, split.test().label(0));
        assertEquals((float) 5 / 255f, split.test().feature(1, 1));
    }

    @Test
    void prefersTheRawFileWhenBothExist() throws IOException {
        IdxFiles.writeDirectory(dir, true);
        write(dir.resolve("train-labels-idx1-ubyte"), labels(5, 6, 7));
        assertEquals(5, DataSplit.fromIdx(dir).train().label(0));
        assertEquals(dir.resolve("train-labels-idx1-ubyte"), IdxDirectory.find(dir, "train-labels-idx1-ubyte"));
        assertEquals(dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxDirectory.find(dir, "t10k-labels-idx1-ubyte"));
    }

    @Test
    void missingFilesNameTheDirectoryAndTheNamesLookedFor() throws IOException {
        IdxFiles.writeDirectory(dir, false);
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte"));
        Files.delete(dir.resolve("train-images-idx3-ubyte"));
        DataFileException e = assertThrows(DataFileException.class, () -> DataSplit.fromIdx(dir));
        assertMessage(e, dir.toString(), "missing train-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]",
                "looked for train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
                        + "t10k-labels-idx1-ubyte, each raw or with .gz");

        Path nowhere = dir.resolve("nowhere");
        e = assertThrows(DataFileException.class, () -> DataSplit.fromIdx(nowhere));
        assertMessage(e, nowhere.toString(), "directory does not exist", "train-images-idx3-ubyte");
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        IdxFiles.writeDirectory(dir, false);
        write(dir.resolve("train-labels-idx1-ubyte"), labels(1, 2));
        DataFileException e = assertThrows(DataFileException.class, () -> DataSplit.fromIdx(dir));
        assertMessage(e, "train-images-idx3-ubyte", "count mismatch", "holds 3 images",
                "train-labels-idx1-ubyte holds 2 labels");
    }

    @Test
    void trainAndTestImageSizesMustAgree() throws IOException {
        IdxFiles.writeDirectory(dir, false);
        write(dir.resolve("t10k-images-idx3-ubyte"), gzip(images(2, 3, 3, new byte[18])));
        DataFileException e = assertThrows(DataFileException.class, () -> DataSplit.fromIdx(dir));
        assertMessage(e, "t10k-images-idx3-ubyte", "dimension mismatch", "test samples have 9 features",
                "train-images-idx3-ubyte", "have 4");
    }

    @Test
    void emptyDataSetNamesTheFile() throws IOException {
        IdxFiles.writeDirectory(dir, false);
        write(dir.resolve("t10k-images-idx3-ubyte"), images(0, 2, 2, new byte[0]));
        write(dir.resolve("t10k-labels-idx1-ubyte"), labels());
        DataFileException e = assertThrows(DataFileException.class, () -> DataSplit.fromIdx(dir));
        assertMessage(e, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "empty data set: 0 samples");
    }

    @Test
    void labelsAndWidthAreCheckedAgainstTheModel() throws IOException {
        IdxFiles.writeDirectory(dir, false);
        DataSplit split = DataSplit.fromIdx(dir);
        split.requireLabelsBelow(3, "the model's output layer").requireFeatures(4);
        DataFileException e = assertThrows(DataFileException.class,
                () -> split.requireLabelsBelow(2, "the model's output layer"));
        assertMessage(e, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "label 2 of sample 2",
                "outside the 2 outputs of the model's output layer", "expected: 0 <= label < 2");
        e = assertThrows(DataFileException.class, () -> split.requireFeatures(784));
        assertMessage(e, "train-images-idx3-ubyte", "samples have 4 features", "first layer takes 784 inputs");
    }
}
