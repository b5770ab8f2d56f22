package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Data, trainers and weight comparisons shared by the coordinator's tests. */
final class TestRuns {
    private TestRuns() {
    }

    /** A listener that ignores everything. */
    static final TrainingListener QUIET = new TrainingListener() {
        @Override
        public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
        }

        @Override
        public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        }

        @Override
        public void onFinish(TrainingResult result) {
        }
    };

    /**
     * {@code n} samples of {@code classes} Gaussian blobs in {@code width} dimensions (standard deviation
     * 1, class c centred at 3 along axis c mod width); labels cycle 0, 1, …. The same seed gives the same set.
     */
    static Dataset blobs(String source, int n, int classes, int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n * width];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int j = 0; j < width; j++) {
                x[i * width + j] = (float) ((j == y[i] % width ? 3.0 : 0.0) + random.nextGaussian());
            }
        }
        return Dataset.of(source, x, y, width);
    }

    /** Trains {@code model} with {@code optimizer} and a cosine schedule from 0.01, its shards computed by {@code executor}. */
    static TrainingResult train(Mlp model, DataSplit data, TrainingConfig config, String optimizer, ShardExecutor executor) {
        long total = config.totalSteps(Trainer.batches(data.train(), config).batchesPerEpoch());
        return new Trainer(model, data, config, Optimizers.create(optimizer, OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.01, total), QUIET, executor).run();
    }

    /** Trains {@code model} in this process (shards computed one after the other). */
    static TrainingResult trainLocally(Mlp model, DataSplit data, TrainingConfig config, String optimizer) {
        long total = config.totalSteps(Trainer.batches(data.train(), config).batchesPerEpoch());
        return new Trainer(model, data, config, Optimizers.create(optimizer, OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.01, total), QUIET).run();
    }

    /** The bits of every parameter, in order. */
    static List<int[]> bits(Mlp model) {
        List<int[]> bits = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            bits.add(bits(p));
        }
        return bits;
    }

    /** The bits of every element of a float32 tensor. */
    static int[] bits(Tensor t) {
        float[] values = t.toFloatArray();
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
