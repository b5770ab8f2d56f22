package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.DataFileException;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reproducibility, call order and step counting of the single-process trainer. */
class TrainerTest {
    private static final ModelSpec SPEC = ModelSpec.of(4, 8, 3);
    private static final DataSplit DATA = SyntheticData.blobSplit(50, 30, 1.0);

    /** Every listener call, as text, with the values needed by the assertions. */
    private static final class Recorder implements TrainingListener {
        final List<String> calls = new ArrayList<>();
        final List<Double> stepLosses = new ArrayList<>();
        final List<Double> epochLosses = new ArrayList<>();
        final List<Evaluation> evaluations = new ArrayList<>();
        TrainingResult finished;

        @Override
        public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
            calls.add("step " + step + "/" + totalSteps + " epoch " + epoch);
            stepLosses.add(loss);
            assertTrue(etaSeconds >= 0, "eta " + etaSeconds);
            assertTrue(samplesPerSecond > 0, "samples/s " + samplesPerSecond);
        }

        @Override
        public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
            calls.add("epoch " + epoch + " ends at step " + step);
            epochLosses.add(trainLoss);
            evaluations.add(test);
        }

        @Override
        public void onFinish(TrainingResult result) {
            calls.add("finish");
            finished = result;
        }
    }

    private static TrainingResult train(Mlp model, DataSplit data, TrainingConfig config, String optimizer, TrainingListener listener) {
        long total = config.totalSteps(Trainer.batches(data.train(), config).batchesPerEpoch());
        return new Trainer(model, data, config, Optimizers.create(optimizer, OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.01, total), listener).run();
    }

    private static List<float[]> train(long initSeed, TrainingConfig config) {
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, initSeed);
        train(model, DATA, config, "adam", new Recorder());
        return model.parameters().stream().map(Tensor::toFloatArray).toList();
    }

    private static void assertBitIdentical(List<float[]> a, List<float[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).length, b.get(i).length);
            for (int e = 0; e < a.get(i).length; e++) {
                assertEquals(Float.floatToRawIntBits(a.get(i)[e]), Float.floatToRawIntBits(b.get(i)[e]), "parameter " + i + " element " + e);
            }
        }
    }

    private static boolean anyDifferent(List<float[]> a, List<float[]> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!java.util.Arrays.equals(a.get(i), b.get(i))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void twoRunsWithTheSameSeedGiveBitIdenticalWeights() {
        TrainingConfig config = new TrainingConfig(8, 3, 0, true, 42, 1);
        assertBitIdentical(train(42, config), train(42, config));
        TrainingConfig sharded = new TrainingConfig(8, 3, 0, true, 42, 3);
        assertBitIdentical(train(42, sharded), train(42, sharded));
    }

    @Test
    void trainingChangesTheWeights() {
        List<float[]> before = Mlp.initialized(SPEC, Activation.RELU, 42).parameters().stream().map(Tensor::toFloatArray).toList();
        assertTrue(anyDifferent(before, train(42, new TrainingConfig(8, 1, 0, true, 42, 1))));
    }

    @Test
    void anotherSeedGivesOtherWeights() {
        TrainingConfig config = new TrainingConfig(8, 3, 0, true, 42, 1);
        List<float[]> reference = train(42, config);
        assertTrue(anyDifferent(reference, train(43, new TrainingConfig(8, 3, 0, true, 43, 1))), "init and shuffle seed");
        assertTrue(anyDifferent(reference, train(43, config)), "init seed only");
        assertTrue(anyDifferent(reference, train(42, new TrainingConfig(8, 3, 0, true, 43, 1))), "shuffle seed only");
    }

    @Test
    void shufflingChangesTheResultAndNoShuffleIgnoresTheSeed() {
        List<float[]> shuffled = train(42, new TrainingConfig(8, 3, 0, true, 42, 1));
        List<float[]> inOrder = train(42, new TrainingConfig(8, 3, 0, false, 42, 1));
        assertTrue(anyDifferent(shuffled, inOrder));
        assertBitIdentical(inOrder, train(42, new TrainingConfig(8, 3, 0, false, 7, 1)));
    }

    @Test
    void shardedGradientsTrainToNearlyTheSameWeights() {
        List<float[]> one = train(42, new TrainingConfig(8, 2, 0, true, 42, 1));
        for (int shards : new int[] {2, 3, 11}) {
            List<float[]> many = train(42, new TrainingConfig(8, 2, 0, true, 42, shards));
            for (int i = 0; i < one.size(); i++) {
                for (int e = 0; e < one.get(i).length; e++) {
                    assertEquals(one.get(i)[e], many.get(i)[e], 1e-4, shards + " shards, parameter " + i + " element " + e);
                }
            }
        }
    }

    @Test
    void listenerSeesEveryStepThenEachEpochEndThenFinishOnce() {
        // 10 samples in batches of 4: 3 steps per epoch (4, 4, 2 samples)
        DataSplit data = new DataSplit(SyntheticData.random("train", 10, 4, 3, 1), SyntheticData.random("test", 6, 4, 3, 2));
        Recorder r = new Recorder();
        TrainingResult result = train(Mlp.initialized(SPEC, Activation.TANH, 1), data, new TrainingConfig(4, 2, 0, true, 9, 1), "sgd", r);
        assertEquals(List.of(
                "step 1/6 epoch 1", "step 2/6 epoch 1", "step 3/6 epoch 1", "epoch 1 ends at step 3",
                "step 4/6 epoch 2", "step 5/6 epoch 2", "step 6/6 epoch 2", "epoch 2 ends at step 6",
                "finish"), r.calls);
        assertSame(result, r.finished);
        assertEquals(6, result.steps());
        assertEquals(2.0, result.epochs(), 0);
        assertSame(r.evaluations.get(1), result.test(), "the result carries the last evaluation");
        assertEquals(6, result.test().samples());
        assertTrue(result.wallSeconds() >= 0);
        assertTrue(result.samplesPerSecond() > 0);
    }

    @Test
    void epochTrainLossIsTheSampleWeightedMeanOfItsStepLosses() {
        DataSplit data = new DataSplit(SyntheticData.random("train", 10, 4, 3, 1), SyntheticData.random("test", 6, 4, 3, 2));
        Recorder r = new Recorder();
        TrainingResult result = train(Mlp.initialized(SPEC, Activation.TANH, 1), data, new TrainingConfig(4, 2, 0, true, 9, 1), "sgd", r);
        int[] sizes = {4, 4, 2};
        for (int epoch = 0; epoch < 2; epoch++) {
            double weighted = 0;
            for (int b = 0; b < 3; b++) {
                weighted += r.stepLosses.get(epoch * 3 + b) * sizes[b];
            }
            assertEquals(weighted / 10, r.epochLosses.get(epoch), 1e-12, "epoch " + (epoch + 1));
        }
        assertEquals(r.epochLosses.get(1), result.trainLoss(), 0);
    }

    @Test
    void stepsOverrideEpochsAndAPartialEpochStillEndsWithAnEvaluation() {
        DataSplit data = new DataSplit(SyntheticData.random("train", 10, 4, 3, 1), SyntheticData.random("test", 6, 4, 3, 2));
        Recorder r = new Recorder();
        TrainingResult result = train(Mlp.initialized(SPEC, Activation.RELU, 1), data, new TrainingConfig(4, 100, 4, true, 9, 1), "adam", r);
        assertEquals(List.of(
                "step 1/4 epoch 1", "step 2/4 epoch 1", "step 3/4 epoch 1", "epoch 1 ends at step 3",
                "step 4/4 epoch 2", "epoch 2 ends at step 4", "finish"), r.calls);
        assertEquals(4, result.steps());
        assertEquals(4.0 / 3, result.epochs(), 1e-15);
        assertEquals(r.stepLosses.get(3), result.trainLoss(), 1e-12, "the last, partial epoch's loss");
    }

    @Test
    void stepsBeyondTheEpochsKeepGoingIntoNewEpochs() {
        DataSplit data = new DataSplit(SyntheticData.random("train", 10, 4, 3, 1), SyntheticData.random("test", 6, 4, 3, 2));
        Recorder r = new Recorder();
        TrainingResult result = train(Mlp.initialized(SPEC, Activation.RELU, 1), data, new TrainingConfig(4, 1, 7, false, 0, 1), "adam", r);
        assertEquals(7, result.steps());
        assertEquals(7, r.stepLosses.size());
        assertEquals(List.of("epoch 1 ends at step 3", "epoch 2 ends at step 6", "epoch 3 ends at step 7"),
                r.calls.stream().filter(c -> c.startsWith("epoch")).toList());
        assertEquals("step 7/7 epoch 3", r.calls.get(r.calls.size() - 3));
    }

    @Test
    void oneStepOfSgdMovesTheWeightsAgainstTheMeanGradientOfTheFirstBatch() {
        // no shuffling: the first batch is samples 0..7
        DataSplit data = new DataSplit(SyntheticData.random("train", 20, 4, 3, 3), SyntheticData.random("test", 5, 4, 3, 4));
        for (int shards : new int[] {1, 3}) {
            Mlp model = Mlp.initialized(SPEC, Activation.SIGMOID, 2);
            Mlp reference = Mlp.fromWeights(SPEC, Activation.SIGMOID, model.namedParameters());
            TrainingConfig config = new TrainingConfig(8, 1, 1, false, 0, shards);
            new Trainer(model, data, config, Optimizers.create("sgd", OptimizerSettings.defaults()),
                    LearningRateSchedules.create("constant", 0.5, 1), new Recorder()).run();

            float[] x = new float[8 * 4];
            int[] y = new int[8];
            data.train().copyBatch(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, x, y);
            ShardGradient g = ShardGradient.compute(reference, Tensor.wrap(Shape.of(8, 4), Storage.copyOf(x)), y);
            for (int i = 0; i < g.gradients().size(); i++) {
                float[] before = reference.parameters().get(i).toFloatArray();
                float[] after = model.parameters().get(i).toFloatArray();
                float[] grad = g.gradients().get(i).toFloatArray();
                for (int e = 0; e < before.length; e++) {
                    assertEquals(before[e] - 0.5 * grad[e] / 8, after[e], 1e-6, shards + " shards, parameter " + i + " element " + e);
                }
            }
        }
    }

    @Test
    void dataThatDoesNotFitTheModelIsRejectedNamingTheFile() {
        Dataset five = SyntheticData.random("five-features.csv", 10, 5, 3, 1);
        DataFileException wide = assertThrows(DataFileException.class, () -> new Trainer(Mlp.initialized(SPEC, Activation.RELU, 1),
                new DataSplit(five, five), new TrainingConfig(4, 1, 0, true, 1, 1),
                Optimizers.create("sgd", OptimizerSettings.defaults()), LearningRateSchedules.create("constant", 0.1, 1), new Recorder()));
        assertTrue(wide.getMessage().startsWith("five-features.csv: "), wide.getMessage());
        assertTrue(wide.getMessage().contains("5 features") && wide.getMessage().contains("4 inputs"), wide.getMessage());

        Dataset fiveClasses = SyntheticData.random("five-classes.csv", 40, 4, 5, 1);
        DataFileException labels = assertThrows(DataFileException.class, () -> new Trainer(Mlp.initialized(SPEC, Activation.RELU, 1),
                new DataSplit(DATA.train(), fiveClasses), new TrainingConfig(4, 1, 0, true, 1, 1),
                Optimizers.create("sgd", OptimizerSettings.defaults()), LearningRateSchedules.create("constant", 0.1, 1), new Recorder()));
        assertTrue(labels.getMessage().startsWith("five-classes.csv: "), labels.getMessage());
        assertTrue(labels.getMessage().contains("expected: 0 <= label < 3"), labels.getMessage());
    }

    @Test
    void configRejectsValuesOutOfRangeNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingConfig(0, 1, 0, true, 1, 1))
                .getMessage().contains("batch size : 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingConfig(8, 0, 0, true, 1, 1))
                .getMessage().contains("epochs : 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingConfig(8, 1, -1, true, 1, 1))
                .getMessage().contains("steps : -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TrainingConfig(8, 1, 0, true, 1, 0))
                .getMessage().contains("shards : 0"));
        // with an explicit step count, epochs is not needed
        assertEquals(5, new TrainingConfig(8, 0, 5, true, 1, 1).totalSteps(100));
        assertEquals(30, new TrainingConfig(8, 3, 0, true, 1, 1).totalSteps(10));
    }

    @Test
    void theBatchScheduleFollowsTheShuffleSetting() {
        TrainingConfig shuffled = new TrainingConfig(8, 1, 0, true, 5, 1);
        TrainingConfig inOrder = new TrainingConfig(8, 1, 0, false, 5, 1);
        assertTrue(Trainer.batches(DATA.train(), shuffled).shuffles());
        assertFalse(Trainer.batches(DATA.train(), inOrder).shuffles());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, Trainer.batches(DATA.train(), inOrder).indicesFor(0));
        assertEquals(7, Trainer.batches(DATA.train(), shuffled).batchesPerEpoch());
    }
}
