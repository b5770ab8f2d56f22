package dev.chainrule.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** Reads the real Fashion-MNIST that CI installs; fails, never skips, when it is missing. */
class FashionMnistTest {

    @Test
    void readsTheInstalledFashionMnist() {
        assertTrue(Files.isDirectory(DataSplit.FASHION_MNIST_DIR), () -> "Fashion-MNIST is missing: "
                + DataSplit.FASHION_MNIST_DIR + " does not exist; install the Debian package dataset-fashion-mnist");
        DataSplit split = DataSplit.fashionMnist();

        assertEquals(60_000, split.train().size());
        assertEquals(10_000, split.test().size());
        assertEquals(784, split.features());
        split.requireFeatures(28 * 28).requireLabelsBelow(10, "a 10-class output layer");
        assertEquals(10, split.train().numClassesSeen());
        assertEquals(10, split.test().numClassesSeen());
        assertEquals(9, split.train().label(0), "the first training image is an ankle boot (class 9)");
        assertEquals(9, split.test().label(0), "the first test image is an ankle boot (class 9)");
        for (Dataset d : new Dataset[] {split.train(), split.test()}) {
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int i = 0; i < d.size(); i++) {
                for (int j = 0; j < d.features(); j++) {
                    float v = d.feature(i, j);
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            assertEquals(0f, min, d.source());
            assertEquals(1f, max, d.source());
        }
    }
}
