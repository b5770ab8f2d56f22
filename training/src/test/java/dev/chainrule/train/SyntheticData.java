package dev.chainrule.train;

import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import java.util.SplittableRandom;

/** Small synthetic classification data for trainer tests: Gaussian blobs and plain random samples. */
final class SyntheticData {
    private SyntheticData() {
    }

    /**
     * {@code n} samples of {@code classes} isotropic Gaussian blobs in {@code width} dimensions with
     * standard deviation {@code sigma}; the centre of class c is 3 along axis c (mod width); labels
     * cycle 0, 1, …, classes − 1.
     */
    static Dataset blobs(String source, int n, int classes, int width, double sigma, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n * width];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int j = 0; j < width; j++) {
                double centre = j == y[i] % width ? 3.0 : 0.0;
                x[i * width + j] = (float) (centre + sigma * random.nextGaussian());
            }
        }
        return Dataset.of(source, x, y, width);
    }

    /** Three blobs in 4-D: {@code trainSize} training and {@code testSize} test samples from different seeds. */
    static DataSplit blobSplit(int trainSize, int testSize, double sigma) {
        return new DataSplit(blobs("blobs-train", trainSize, 3, 4, sigma, 1), blobs("blobs-test", testSize, 3, 4, sigma, 2));
    }

    /** {@code n} samples of standard normal features with random labels below {@code classes}. */
    static Dataset random(String source, int n, int width, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n * width];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            y[i] = random.nextInt(classes);
        }
        return Dataset.of(source, x, y, width);
    }
}
