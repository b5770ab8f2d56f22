package dev.chainrule.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the four MNIST-style IDX files in a directory and pairs images with labels.
 *
 * <p>Each file may be raw ({@code train-images-idx3-ubyte}) or gzip ({@code train-images-idx3-ubyte.gz});
 * when both exist the raw file is used. Whether a file is gzip is decided by its content, not its name.
 */
final class IdxDirectory {
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    private IdxDirectory() {
    }

    /** Loads the train and test sets from {@code dir}; {@code hint}, if not empty, ends the message when files are missing. */
    static DataSplit load(Path dir, String hint) {
        String[] names = {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS};
        Path[] files = new Path[names.length];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            files[i] = find(dir, names[i]);
            if (files[i] == null) {
                missing.add(names[i] + "[.gz]");
            }
        }
        if (!missing.isEmpty()) {
            String where = Files.isDirectory(dir) ? "" : "directory does not exist; ";
            throw new DataFileException(dir, where + "missing " + String.join(", ", missing)
                    + " (looked for " + String.join(", ", names) + ", each raw or with .gz)"
                    + (hint.isEmpty() ? "" : "; " + hint));
        }
        return new DataSplit(pair(files[0], files[1]), pair(files[2], files[3]));
    }

    /** The raw file {@code dir/name} if it exists, else {@code dir/name.gz} if that exists, else null. */
    static Path find(Path dir, String name) {
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    /** Reads an images file and its labels file into one data set, checking that their counts agree. */
    static Dataset pair(Path imagesFile, Path labelsFile) {
        IdxReader.Images images = IdxReader.readImages(imagesFile);
        int[] labels = IdxReader.readLabels(labelsFile);
        if (images.count() != labels.length) {
            throw new DataFileException(imagesFile, "count mismatch: holds " + images.count() + " images but "
                    + labelsFile + " holds " + labels.length + " labels");
        }
        String source = imagesFile + " (labels: " + labelsFile.getFileName() + ")";
        return new Dataset(source, images.pixels(), labels, images.width());
    }
}
