package dev.chainrule.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A train set and a test set with the same number of features, loaded from an IDX directory or a
 * pair of CSV files.
 *
 * @param train the samples to train on
 * @param test  the samples to evaluate on
 */
public record DataSplit(Dataset train, Dataset test) {
    /** Where Debian's {@code dataset-fashion-mnist} package installs Fashion-MNIST, the default data set. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Checks that both sets are present and have the same number of features per sample. */
    public DataSplit {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (train.features() != test.features()) {
            throw new DataFileException(test.source(), "dimension mismatch: test samples have " + test.features()
                    + " features but the train samples in " + train.source() + " have " + train.features());
        }
    }

    /**
     * Loads {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
     * {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte} from {@code dir}, each raw
     * or gzip ({@code .gz}); when both exist the raw file is read. Pixels become
     * {@code (float) b / 255f}, images are flattened row-major.
     */
    public static DataSplit fromIdx(Path dir) {
        return IdxDirectory.load(dir, "");
    }

    /** Loads Fashion-MNIST from {@link #FASHION_MNIST_DIR}. */
    public static DataSplit fashionMnist() {
        return IdxDirectory.load(FASHION_MNIST_DIR, "install the Debian package dataset-fashion-mnist");
    }

    /**
     * Loads two CSV files with the label in the first column and the features after it; a first
     * line whose first field is not an integer is a header and is skipped.
     */
    public static DataSplit fromCsv(Path trainFile, Path testFile) {
        return new DataSplit(Dataset.fromCsv(trainFile), Dataset.fromCsv(testFile));
    }

    /** Number of features per sample. */
    public int features() {
        return train.features();
    }

    /** Checks both sets with {@link Dataset#requireFeatures(int)}; returns this split. */
    public DataSplit requireFeatures(int width) {
        train.requireFeatures(width);
        test.requireFeatures(width);
        return this;
    }

    /** Checks both sets with {@link Dataset#requireLabelsBelow(int, String)}; returns this split. */
    public DataSplit requireLabelsBelow(int classes, String what) {
        train.requireLabelsBelow(classes, what);
        test.requireLabelsBelow(classes, what);
        return this;
    }
}
