package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.BatchSchedule;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.LearningRateSchedule;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.TrainingFixtures.Array;
import dev.chainrule.train.TrainingFixtures.Run;
import dev.chainrule.train.TrainingFixtures.Setup;
import dev.chainrule.train.TrainingFixtures.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Trains with {@link Trainer} exactly as the PyTorch runs recorded by
 * {@code tools/oracle/make_training_fixtures.py} did (same model, data, initial weights, optimiser,
 * schedule and batch order) and requires the final weights to agree within
 * |a − e| ≤ 1e-5 + 1e-4·|e| and every step's mean loss within 1e-5 relative. Every run is trained
 * twice: in one shard, and in three shards whose summed gradients are divided by the batch size, as
 * a distributed run computes them. Every fixture file is a run that must pass; an unknown
 * optimiser, activation or schedule in one fails it.
 */
class TorchTrainingAgreementTest {
    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-5;
    private static final double LOSS_RTOL = 1e-5;
    private static final double RATE_RTOL = 1e-12;
    /** How far some weight of every run must move from its initial value: hundreds of tolerances for weights below 1. */
    private static final double MIN_MOVEMENT = 0.01;
    private static final int[] SHARDS = {1, 3};
    private static final List<String> SUMMARY = new ArrayList<>();

    @TestFactory
    Stream<DynamicContainer> trainsAsTorchDoes() {
        List<String> names = TrainingFixtures.runNames();
        assertFalse(names.isEmpty(), "no training runs in test resources folder training/");
        Setup setup = TrainingFixtures.loadSetup();
        return names.stream().map(name -> dynamicContainer(name, Arrays.stream(SHARDS).mapToObj(shards ->
                dynamicTest(label(shards), () -> trainNamingTheRun(setup, name, shards)))));
    }

    /**
     * The fixtures hold the runs the agreement is claimed for, and in each of them the weights move far
     * enough to tell a trainer that trains from one that does not.
     */
    @Test
    void fixturesCoverEveryOptimizerActivationBatchOrderAndSchedule() {
        Setup setup = TrainingFixtures.loadSetup();
        List<Run> runs = TrainingFixtures.runNames().stream().map(TrainingFixtures::loadRun).toList();
        Set<String> pairs = new HashSet<>();
        runs.forEach(r -> pairs.add(r.optimizer() + " " + r.activation()));
        for (String kind : Optimizers.KINDS) {
            for (Activation activation : Activation.values()) {
                assertTrue(pairs.contains(kind + " " + activation), "no run with optimizer " + kind + " and " + activation);
            }
        }
        assertTrue(runs.stream().anyMatch(r -> !r.shuffle() && usesPartialBatch(setup, r) && crossesEpoch(r)),
                "no run in file order whose steps include a partial last batch and cross an epoch boundary");
        assertTrue(runs.stream().anyMatch(r -> r.shuffle() && usesPartialBatch(setup, r) && crossesEpoch(r)),
                "no shuffled run whose steps include a partial last batch and cross an epoch boundary");
        assertTrue(runs.stream().anyMatch(r -> r.scheduleKind().equals("cosine")), "no run with the cosine schedule");
        assertTrue(runs.stream().anyMatch(r -> r.settings().weightDecay() > 0), "no run with weight decay");
        for (Run run : runs) {
            double moved = 0;
            for (Map.Entry<String, Array> e : run.finals().entrySet()) {
                float[] initial = setup.initial().get(e.getKey()).values();
                for (int i = 0; i < initial.length; i++) {
                    moved = Math.max(moved, Math.abs(e.getValue().values()[i] - initial[i]));
                }
            }
            assertTrue(moved >= MIN_MOVEMENT, run.name() + ": the weights moved at most " + moved
                    + " from the initial ones, too little to tell training from not training within the tolerance");
        }
    }

    @AfterAll
    static void printSummary() {
        System.out.println("TorchTrainingAgreementTest: largest differences from torch\n  " + String.join("\n  ", SUMMARY));
    }

    /** Trains run {@code name}; a fixture this test cannot replay (unknown optimiser, activation, schedule) fails it. */
    private static void trainNamingTheRun(Setup setup, String name, int shards) {
        try {
            train(setup, TrainingFixtures.loadRun(name), shards);
        } catch (RuntimeException e) {
            throw new AssertionError(name + " (" + label(shards) + "): " + e.getMessage(), e);
        }
    }

    private static String label(int shards) {
        return shards + (shards == 1 ? " shard" : " shards");
    }

    private static void train(Setup setup, Run run, int shards) {
        String what = run.name() + " (" + label(shards) + ")";
        Dataset train = Dataset.of("training fixture setup.txt", setup.features(), setup.labels(), setup.spec().inputs());
        Map<String, Tensor> initial = new LinkedHashMap<>();
        setup.initial().forEach((name, a) -> initial.put(name, a.toTensor()));
        Mlp model = Mlp.fromWeights(setup.spec(), run.activation(), initial);
        TrainingConfig config = new TrainingConfig(run.batchSize(), run.epochs(), run.stepsSetting(), run.shuffle(),
                run.seed(), shards);

        BatchSchedule batches = Trainer.batches(train, config);
        long total = config.totalSteps(batches.batchesPerEpoch());
        assertEquals(run.steps().size(), total, what + ": number of steps");
        LearningRateSchedule rates = LearningRateSchedules.create(run.scheduleKind(), run.baseRate(), total);
        for (Step s : run.steps()) {
            assertArrayEquals(s.indices(), batches.indicesFor(s.step()), what + ": samples of step " + s.step());
            assertEquals(s.epoch(), batches.epochOf(s.step()), what + ": epoch of step " + s.step());
            double rate = rates.rate(s.step());
            assertTrue(Math.abs(rate - s.rate()) <= RATE_RTOL * Math.abs(s.rate()),
                    what + ": step " + s.step() + " learning rate " + rate + " (expected: " + s.rate() + ", torch)");
        }

        StepLosses losses = new StepLosses();
        TrainingResult result = new Trainer(model, new DataSplit(train, train), config,
                Optimizers.create(run.optimizer(), run.settings()), rates, losses).run();
        assertEquals(total, result.steps(), what + ": steps taken");
        assertEquals(1, losses.finished, what + ": onFinish calls");

        Diff diff = new Diff(what);
        assertEquals(run.steps().size(), losses.losses.size(), what + ": onStep calls");
        for (Step s : run.steps()) {
            assertEquals(s.epoch() + 1, losses.epochs.get(s.step()), what + ": epoch reported for step " + s.step());
            diff.compareLoss(s.step(), losses.losses.get(s.step()), s.loss());
        }
        Map<String, Tensor> trained = model.namedParameters();
        assertEquals(run.finals().keySet(), trained.keySet(), what + ": parameter names");
        run.finals().forEach((name, expected) -> diff.compareWeights(name, trained.get(name), expected));
        SUMMARY.add(diff.summary());
        diff.assertWithinTolerance();
    }

    private static boolean usesPartialBatch(Setup setup, Run run) {
        return setup.samples() % run.batchSize() != 0
                && run.steps().stream().anyMatch(s -> s.indices().length < run.batchSize());
    }

    private static boolean crossesEpoch(Run run) {
        return run.steps().stream().anyMatch(s -> s.epoch() > 0);
    }

    /** Records the loss and epoch the trainer reports after each step. */
    private static final class StepLosses implements TrainingListener {
        final List<Double> losses = new ArrayList<>();
        final List<Long> epochs = new ArrayList<>();
        int finished;

        @Override
        public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
            assertEquals(losses.size() + 1, step, "steps are reported in order, from 1");
            losses.add(loss);
            epochs.add(epoch);
        }

        @Override
        public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        }

        @Override
        public void onFinish(TrainingResult result) {
            finished++;
        }
    }

    /** The largest differences of weights and losses, and the first value out of tolerance. */
    private static final class Diff {
        private final String run;
        private double maxAbs;
        private double maxRel;
        private double maxShareOfTolerance;
        private double maxLossRel;
        private int weights;
        private String firstFailure;

        Diff(String run) {
            this.run = run;
        }

        void compareWeights(String tensor, Tensor actual, Array expected) {
            assertArrayEquals(expected.dims(), actual.shape().dims(), run + " " + tensor + " shape");
            for (int i = 0; i < actual.size(); i++) {
                double a = actual.getFlat(i);
                double e = expected.values()[i];
                double d = Math.abs(a - e);
                weights++;
                maxAbs = Math.max(maxAbs, d);
                maxShareOfTolerance = Math.max(maxShareOfTolerance, d / (ATOL + RTOL * Math.abs(e)));
                if (e != 0) {
                    maxRel = Math.max(maxRel, d / Math.abs(e));
                }
                if (!(d <= ATOL + RTOL * Math.abs(e)) && firstFailure == null) {
                    firstFailure = run + " " + tensor + " element " + i + " " + Arrays.toString(unflatten(i, expected.dims()))
                            + ": " + a + " (expected: " + e + ", torch; |diff| " + d + " > " + (ATOL + RTOL * Math.abs(e)) + ")";
                }
            }
        }

        void compareLoss(int step, double actual, double expected) {
            double rel = Math.abs(actual - expected) / Math.abs(expected);
            maxLossRel = Math.max(maxLossRel, rel);
            if (!(rel <= LOSS_RTOL) && firstFailure == null) {
                firstFailure = run + " step " + step + ": mean loss " + actual + " (expected: " + expected
                        + ", torch; relative difference " + rel + ")";
            }
        }

        String summary() {
            return String.format("%-46s weights: max |diff| %.3g, max rel %.3g, max |diff|/tolerance %.3g (%d values);"
                    + " losses: max rel %.3g", run, maxAbs, maxRel, maxShareOfTolerance, weights, maxLossRel);
        }

        void assertWithinTolerance() {
            if (firstFailure != null) {
                fail(firstFailure + "; " + summary());
            }
        }

        private static int[] unflatten(int flat, int[] dims) {
            int[] index = new int[dims.length];
            for (int d = dims.length - 1; d >= 0; d--) {
                index[d] = flat % dims[d];
                flat /= dims[d];
            }
            return index;
        }
    }
}
