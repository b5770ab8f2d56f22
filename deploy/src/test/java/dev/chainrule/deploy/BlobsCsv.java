package dev.chainrule.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A small data set the tests write themselves: Gaussian blobs as CSV ({@code label,f1,...,fW}), class
 * c centred at 3 on axis c mod W with standard deviation 0.8, so a small MLP reaches over 90% test
 * accuracy within a few dozen steps.
 */
final class BlobsCsv {
    static final int WIDTH = 4;
    static final int CLASSES = 3;

    private BlobsCsv() {
    }

    /** Writes {@code samples} rows drawn with {@code seed} to {@code file} and returns it. */
    static Path write(Path file, int samples, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder csv = new StringBuilder("label,f1,f2,f3,f4\n");
        for (int row = 0; row < samples; row++) {
            int label = row % CLASSES;
            csv.append(label);
            for (int axis = 0; axis < WIDTH; axis++) {
                double mean = axis == label % WIDTH ? 3.0 : 0.0;
                csv.append(String.format(Locale.ROOT, ",%.4f", mean + 0.8 * random.nextGaussian()));
            }
            csv.append('\n');
        }
        return Files.writeString(file, csv);
    }
}
