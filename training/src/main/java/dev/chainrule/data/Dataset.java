package dev.chainrule.data;

import java.nio.file.Path;

import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * N samples held in memory: float32 features, row-major {@code [N × D]}, and one integer label per sample.
 *
 * <p>Immutable after construction; safe to read from several threads. Trainers copy batches into
 * buffers they own and reuse with {@link #copyBatch(int[], int, float[], int[])}.
 */
public final class Dataset {
    private final String source;
    private final float[] features;
    private final int[] labels;
    private final int width;
    private final int numClassesSeen;
    /** {@link #fingerprint()}, once computed. */
    private volatile String fingerprint;

    /** Takes ownership of the arrays (no copy); readers use this after checking their files. */
    Dataset(String source, float[] features, int[] labels, int width) {
        this.source = Objects.requireNonNull(source, "source");
        this.features = Objects.requireNonNull(features, "features");
        this.labels = Objects.requireNonNull(labels, "labels");
        if (labels.length == 0) {
            throw new DataFileException(source, "empty data set: 0 samples");
        }
        if (width < 1) {
            throw new DataFileException(source, "samples have " + width + " features (expected: >= 1)");
        }
        if ((long) labels.length * width != features.length) {
            throw new IllegalArgumentException(features.length + " feature values do not fill " + labels.length
                    + " samples × " + width + " features (expected: " + (long) labels.length * width + ")");
        }
        int max = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new DataFileException(source, "label " + labels[i] + " of sample " + i + " is negative");
            }
            max = Math.max(max, labels[i]);
        }
        this.width = width;
        this.numClassesSeen = max + 1;
    }

    /**
     * Reads a CSV file with the label in the first column and the features after it; a first line
     * whose first field is not an integer is a header and is skipped.
     */
    public static Dataset fromCsv(Path file) {
        return CsvReader.read(file);
    }

    /**
     * A data set holding copies of {@code features} ({@code labels.length × width}, row-major) and
     * {@code labels}; {@code source} names where they came from, for error messages.
     */
    public static Dataset of(String source, float[] features, int[] labels, int width) {
        return new Dataset(source, features.clone(), labels.clone(), width);
    }

    /** The file (or files) the samples were read from, as used in error messages. */
    public String source() {
        return source;
    }

    /** Number of samples, N. */
    public int size() {
        return labels.length;
    }

    /** Number of features per sample, D (784 for 28×28 images). */
    public int features() {
        return width;
    }

    /** The largest label plus one. */
    public int numClassesSeen() {
        return numClassesSeen;
    }

    /** The label of sample {@code i}. */
    public int label(int i) {
        return labels[Objects.checkIndex(i, labels.length)];
    }

    /** Feature {@code j} of sample {@code i}. */
    public float feature(int i, int j) {
        Objects.checkIndex(i, labels.length);
        return features[i * width + Objects.checkIndex(j, width)];
    }

    /** Copies the samples {@code indices} into {@code x} (row-major, from offset 0) and {@code y}. */
    public void copyBatch(int[] indices, float[] x, int[] y) {
        copyBatch(indices, indices.length, x, y);
    }

    /**
     * Copies the samples {@code indices[0..count)} into the first {@code count × features()} elements
     * of {@code x} (row-major) and the first {@code count} elements of {@code y}; the rest of the
     * buffers is left alone, so buffers sized for a full batch serve the last, partial one too.
     */
    public void copyBatch(int[] indices, int count, float[] x, int[] y) {
        checkBatch(indices, count, x.length, y);
        for (int k = 0; k < count; k++) {
            System.arraycopy(features, indices[k] * width, x, k * width, width);
        }
    }

    /** As {@link #copyBatch(int[], int, float[], int[])}, into a float buffer (absolute positions from 0). */
    public void copyBatch(int[] indices, int count, FloatBuffer x, int[] y) {
        checkBatch(indices, count, x.capacity(), y);
        for (int k = 0; k < count; k++) {
            x.put(k * width, features, indices[k] * width, width);
        }
    }

    /** Checks the arguments of a batch copy and copies the labels. */
    private void checkBatch(int[] indices, int count, int featureCapacity, int[] y) {
        if (count < 0 || count > indices.length) {
            throw new IllegalArgumentException("count : " + count + " (expected: 0 <= count <= " + indices.length
                    + ", the number of indices)");
        }
        if (featureCapacity < (long) count * width) {
            throw new IllegalArgumentException("feature buffer holds " + featureCapacity + " floats (expected: >= "
                    + (long) count * width + " for " + count + " samples × " + width + " features)");
        }
        if (y.length < count) {
            throw new IllegalArgumentException("label buffer holds " + y.length + " ints (expected: >= " + count + ")");
        }
        for (int k = 0; k < count; k++) {
            int i = indices[k];
            if (i < 0 || i >= labels.length) {
                throw new IndexOutOfBoundsException("indices[" + k + "] : " + i + " (expected: 0 <= index < "
                        + labels.length + ", the data set size)");
            }
            y[k] = labels[i];
        }
    }

    /**
     * Checks that every label is below {@code classes}, the output width of {@code what} (e.g. "the
     * model's output layer"); returns this data set.
     *
     * @throws DataFileException naming the file, the first offending label and its sample
     */
    public Dataset requireLabelsBelow(int classes, String what) {
        if (numClassesSeen <= classes) {
            return this;
        }
        int i = 0;
        while (labels[i] < classes) {
            i++;
        }
        throw new DataFileException(source, "label " + labels[i] + " of sample " + i + " is outside the " + classes
                + " outputs of " + what + " (expected: 0 <= label < " + classes + "; labels seen go up to "
                + (numClassesSeen - 1) + ")");
    }

    /**
     * Checks that samples have {@code width} features, the input width of the model's first layer;
     * returns this data set.
     *
     * @throws DataFileException naming the file and both widths
     */
    public Dataset requireFeatures(int width) {
        if (this.width != width) {
            throw new DataFileException(source, "samples have " + this.width
                    + " features but the model's first layer takes " + width + " inputs");
        }
        return this;
    }

    /**
     * The SHA-256 of the samples and labels as loaded, "sha256:" and 64 hex digits (what is hashed:
     * {@link DatasetFingerprint}); computed on first use (≈ 0.3 s for Fashion-MNIST's training set), then kept.
     */
    public String fingerprint() {
        String known = fingerprint;
        if (known == null) {
            known = DatasetFingerprint.of(features, labels, width);
            fingerprint = known;
        }
        return known;
    }

    @Override
    public String toString() {
        return "Dataset[" + size() + " samples × " + width + " features, labels 0.." + (numClassesSeen - 1)
                + ", from " + source + "]";
    }
}
