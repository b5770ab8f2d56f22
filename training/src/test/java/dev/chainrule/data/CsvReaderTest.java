package dev.chainrule.data;

import static dev.chainrule.data.IdxReaderTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
    @TempDir
    Path dir;

    private Path csv(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void readsLabelThenFeaturesWithoutHeader() throws IOException {
        Dataset d = CsvReader.read(csv("train.csv", "1,0.5,2\n0, -1.25 ,3e2\n\n"));
        assertEquals(2, d.size());
        assertEquals(2, d.features());
        assertEquals(1, d.label(0));
        assertEquals(0, d.label(1));
        assertEquals(0.5f, d.feature(0, 0));
        assertEquals(-1.25f, d.feature(1, 0));
        assertEquals(300f, d.feature(1, 1));
        assertEquals(2, d.numClassesSeen());
        assertEquals(dir.resolve("train.csv").toString(), d.source());
    }

    @Test
    void detectsAHeaderByItsFirstFieldNotBeingAnInteger() throws IOException {
        Dataset withHeader = CsvReader.read(csv("h.csv", "label,x,y\r\n3,1,2\r\n4,5,6\r\n"));
        assertEquals(2, withHeader.size());
        assertEquals(3, withHeader.label(0));
        Dataset numericHeaderLooking = CsvReader.read(csv("n.csv", "7,1,2\n"));
        assertEquals(1, numericHeaderLooking.size());
        assertEquals(7, numericHeaderLooking.label(0));
        Dataset bom = CsvReader.read(csv("bom.csv", "\uFEFFclass,a\n1,2\n"));
        assertEquals(1, bom.size());
    }

    @Test
    void rowsWithADifferentNumberOfColumnsNameTheLine() throws IOException {
        Path file = csv("ragged.csv", "label,a,b\n1,2,3\n\n1,2\n");
        DataFileException e = assertThrows(DataFileException.class, () -> CsvReader.read(file));
        assertMessage(e, file.toString(), "line 4 has 2 columns, expected 3 (as on line 1)");
    }

    @Test
    void nonNumericFieldsNameLineAndColumn() throws IOException {
        Path feature = csv("bad-feature.csv", "1,2,3\n1,2,abc\n");
        DataFileException e = assertThrows(DataFileException.class, () -> CsvReader.read(feature));
        assertMessage(e, "bad-feature.csv", "line 2, column 3", "\"abc\" is not a number");

        Path empty = csv("empty-field.csv", "1,,3\n");
        e = assertThrows(DataFileException.class, () -> CsvReader.read(empty));
        assertMessage(e, "empty-field.csv", "line 1, column 2", "is not a number");

        Path label = csv("bad-label.csv", "y,a\n1,2\n2.5,3\n");
        e = assertThrows(DataFileException.class, () -> CsvReader.read(label));
        assertMessage(e, "bad-label.csv", "line 3, column 1", "label \"2.5\" is not an integer");

        Path nan = csv("nan.csv", "1,NaN\n");
        e = assertThrows(DataFileException.class, () -> CsvReader.read(nan));
        assertMessage(e, "nan.csv", "line 1, column 2", "not a finite");

        Path negative = csv("negative.csv", "1,0\n-1,0\n");
        e = assertThrows(DataFileException.class, () -> CsvReader.read(negative));
        assertMessage(e, "negative.csv", "line 2, column 1", "label -1 is negative");
    }

    @Test
    void emptyDataSetsNameTheFile() throws IOException {
        Path headerOnly = csv("header-only.csv", "label,a,b\n");
        DataFileException e = assertThrows(DataFileException.class, () -> CsvReader.read(headerOnly));
        assertMessage(e, "header-only.csv", "empty data set", "only a header");

        Path blank = csv("blank.csv", "\n  \n");
        e = assertThrows(DataFileException.class, () -> CsvReader.read(blank));
        assertMessage(e, "blank.csv", "empty data set");

        Path labelsOnly = csv("labels-only.csv", "1\n2\n");
        e = assertThrows(DataFileException.class, () -> CsvReader.read(labelsOnly));
        assertMessage(e, "labels-only.csv", "line 1 has 1 column");
    }

    @Test
    void splitFromTwoFilesChecksMissingFilesAndWidths() throws IOException {
        Path train = csv("train.csv", "y,a,b\n0,1,2\n1,3,4\n2,5,6\n");
        Path test = csv("test.csv", "0,1,2\n");
        DataSplit split = DataSplit.fromCsv(train, test);
        assertEquals(3, split.train().size());
        assertEquals(1, split.test().size());
        assertEquals(2, split.features());

        Path missing = dir.resolve("missing.csv");
        DataFileException e = assertThrows(DataFileException.class, () -> DataSplit.fromCsv(train, missing));
        assertMessage(e, missing.toString(), "cannot read");

        Path narrow = csv("narrow.csv", "0,1\n");
        e = assertThrows(DataFileException.class, () -> DataSplit.fromCsv(train, narrow));
        assertMessage(e, "narrow.csv", "dimension mismatch", "1 features", "train.csv");

        DataFileException labels = assertThrows(DataFileException.class,
                () -> split.requireLabelsBelow(2, "the model's output layer"));
        assertMessage(labels, "train.csv", "label 2 of sample 2", "outside the 2 outputs");
        assertMessage(assertThrows(DataFileException.class, () -> split.requireFeatures(3)), "train.csv",
                "2 features", "takes 3 inputs");
    }
}
