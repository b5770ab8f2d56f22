package dev.chainrule.train;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedule;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.TrainingFixtures.Run;
import dev.chainrule.train.TrainingFixtures.Setup;
import java.net.URL;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training's test data, for the tests of the modules built on it: {@link SyntheticData} and the
 * PyTorch runs read by {@link TrainingFixtures}, both package-private in training's test-jar, made
 * public here (this class sits in their package on the coordinator's test class path).
 */
public final class TrainingTestData {
    private static Setup setup;

    private TrainingTestData() {
    }

    /**
     * {@link SyntheticData#blobs}: {@code n} samples of {@code classes} Gaussian blobs in {@code width}
     * dimensions with standard deviation {@code sigma}, class c centred at 3 on axis c mod width.
     */
    public static Dataset blobs(String source, int n, int classes, int width, double sigma, long seed) {
        return SyntheticData.blobs(source, n, classes, width, sigma, seed);
    }

    /** The names of the PyTorch training runs among training's test resources, sorted. */
    public static List<String> torchRunNames() {
        return TrainingFixtures.runNames();
    }

    /** Where the fixtures are read from: a {@code jar:} URL inside training's test-jar, or a {@code file:} folder. */
    public static URL fixtureLocation() {
        URL url = TrainingFixtures.class.getClassLoader().getResource(TrainingFixtures.FOLDER);
        if (url == null) {
            throw new IllegalStateException("test resource folder '" + TrainingFixtures.FOLDER + "' is not on the class path"
                    + " (expected: in chainrule-training's test-jar)");
        }
        return url;
    }

    /** The PyTorch run {@code name} with the shared setup: its data, initial weights and torch's final weights. */
    public static TorchRun torchRun(String name) {
        return new TorchRun(setup(), TrainingFixtures.loadRun(name));
    }

    /**
     * One recorded PyTorch run, ready to replay: every call builds fresh objects (a model from the
     * initial weights, a copy of the training set, a new optimiser), so runs do not share state.
     */
    public static final class TorchRun {
        private final Setup setup;
        private final Run run;

        TorchRun(Setup setup, Run run) {
            this.setup = setup;
            this.run = run;
        }

        public String name() {
            return run.name();
        }

        public ModelSpec spec() {
            return setup.spec();
        }

        public Activation activation() {
            return run.activation();
        }

        /** A fresh copy of the training set (which is also the run's test set). */
        public Dataset train() {
            return Dataset.of("training fixture setup.txt", setup.features(), setup.labels(), setup.spec().inputs());
        }

        /** A model holding the initial weights torch started from. */
        public Mlp initialModel() {
            Map<String, Tensor> initial = new LinkedHashMap<>();
            setup.initial().forEach((tensor, a) -> initial.put(tensor, a.toTensor()));
            return Mlp.fromWeights(setup.spec(), run.activation(), initial);
        }

        /** How torch iterated, with the batch's gradient computed in {@code shards} shards. */
        public TrainingConfig config(int shards) {
            return new TrainingConfig(run.batchSize(), run.epochs(), run.stepsSetting(), run.shuffle(), run.seed(), shards);
        }

        /** Optimiser steps torch took. */
        public int steps() {
            return run.steps().size();
        }

        /** A new optimiser of torch's kind and settings. */
        public Optimizer optimizer() {
            return Optimizers.create(run.optimizer(), run.settings());
        }

        /** Torch's learning-rate schedule over {@code totalSteps}. */
        public LearningRateSchedule rates(long totalSteps) {
            return LearningRateSchedules.create(run.scheduleKind(), run.baseRate(), totalSteps);
        }

        /** Torch's weights after the last step, by parameter name, as float32 tensors. */
        public Map<String, Tensor> finals() {
            Map<String, Tensor> finals = new LinkedHashMap<>();
            run.finals().forEach((tensor, a) -> finals.put(tensor, a.toTensor()));
            return Collections.unmodifiableMap(finals);
        }

        @Override
        public String toString() {
            return run.name();
        }
    }

    private static synchronized Setup setup() {
        if (setup == null) {
            setup = TrainingFixtures.loadSetup();
        }
        return setup;
    }
}
