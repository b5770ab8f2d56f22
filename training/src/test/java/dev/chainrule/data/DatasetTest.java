package dev.chainrule.data;

import static dev.chainrule.data.IdxReaderTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DatasetTest {
    private static final Dataset DATA = Dataset.of("memory", new float[] {0, 1, 10, 11, 20, 21, 30, 31},
            new int[] {3, 1, 4, 1}, 2);

    @Test
    void holdsRowMajorFeaturesAndLabels() {
        assertEquals(4, DATA.size());
        assertEquals(2, DATA.features());
        assertEquals(5, DATA.numClassesSeen());
        assertEquals(21f, DATA.feature(2, 1));
        assertEquals(4, DATA.label(2));
        assertThrows(IndexOutOfBoundsException.class, () -> DATA.feature(0, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> DATA.label(4));
    }

    @Test
    void copiesTheCallersArrays() {
        float[] x = {1, 2};
        int[] y = {0};
        Dataset d = Dataset.of("memory", x, y, 2);
        x[0] = 9;
        y[0] = 9;
        assertEquals(1f, d.feature(0, 0));
        assertEquals(0, d.label(0));
    }

    @Test
    void copiesABatchIntoCallerBuffersAndLeavesTheRest() {
        float[] x = new float[6];
        int[] y = new int[3];
        DATA.copyBatch(new int[] {3, 0, 2}, x, y);
        assertArrayEquals(new float[] {30, 31, 0, 1, 20, 21}, x);
        assertArrayEquals(new int[] {1, 3, 4}, y);
        DATA.copyBatch(new int[] {1, 99}, 1, x, y); // a partial batch into the same buffers
        assertArrayEquals(new float[] {10, 11, 0, 1, 20, 21}, x);
        assertArrayEquals(new int[] {1, 3, 4}, y);
    }

    @Test
    void rejectsBadBatchArguments() {
        assertThrows(IllegalArgumentException.class, () -> DATA.copyBatch(new int[] {0, 1}, new float[3], new int[2]));
        assertThrows(IllegalArgumentException.class, () -> DATA.copyBatch(new int[] {0, 1}, new float[4], new int[1]));
        assertThrows(IllegalArgumentException.class, () -> DATA.copyBatch(new int[] {0}, 2, new float[4], new int[2]));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> DATA.copyBatch(new int[] {0, 4}, new float[4], new int[2]));
        assertMessage(e, "indices[1] : 4", "< 4");
    }

    @Test
    void validatesAgainstTheModel() {
        assertSame(DATA, DATA.requireLabelsBelow(5, "the output layer").requireFeatures(2));
        DataFileException e = assertThrows(DataFileException.class, () -> DATA.requireLabelsBelow(4, "the output layer"));
        assertMessage(e, "memory", "label 4 of sample 2", "outside the 4 outputs of the output layer");
        e = assertThrows(DataFileException.class, () -> DATA.requireFeatures(3));
        assertMessage(e, "memory", "samples have 2 features but the model's first layer takes 3 inputs");
    }

    @Test
    void rejectsEmptyNegativeAndMisshapenData() {
        assertMessage(assertThrows(DataFileException.class, () -> Dataset.of("none", new float[0], new int[0], 2)),
                "none", "empty data set");
        assertMessage(assertThrows(DataFileException.class, () -> Dataset.of("neg", new float[] {1}, new int[] {-1}, 1)),
                "neg", "label -1 of sample 0 is negative");
        assertMessage(assertThrows(DataFileException.class, () -> Dataset.of("flat", new float[0], new int[] {1}, 0)),
                "flat", "0 features");
        assertThrows(IllegalArgumentException.class, () -> Dataset.of("odd", new float[3], new int[] {1, 2}, 2));
    }
}
