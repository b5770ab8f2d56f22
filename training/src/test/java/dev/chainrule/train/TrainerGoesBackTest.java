package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.checkpoint.CheckpointStore;
import dev.chainrule.checkpoint.RunConfig;
import dev.chainrule.data.DataSplit;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trainer whose executor loses the steps since the newest checkpoint ({@link StepsLostException})
 * goes back to that checkpoint, or to the run's start before the first, and ends with the bits of a
 * run that lost nothing; without checkpoints the loss fails the run.
 */
class TrainerGoesBackTest {
    private static final ModelSpec SPEC = ModelSpec.of(4, 8, 3);
    /** 50 samples in batches of 8: 7 steps per epoch; 20 steps. */
    private static final DataSplit DATA = SyntheticData.blobSplit(50, 30, 1.0);
    private static final long TOTAL = 20;
    private static final TrainingConfig CONFIG = new TrainingConfig(8, 3, TOTAL, true, 42, 2);

    @TempDir
    Path dir;

    /**
     * An executor that computes locally and, once, when asked for step {@code loseAt}, computes it
     * (the model moves on) and then says the steps since the checkpoint were lost.
     */
    private static ShardExecutor losingOnce(Mlp model, long loseAt) {
        LocalShardExecutor local = new LocalShardExecutor(model, DATA.train());
        return new ShardExecutor() {
            private boolean lost;

            @Override
            public double compute(long step, int[] batch, ShardPlan plan, StepReduction reduction) {
                double loss = local.compute(step, batch, plan, reduction);
                if (step == loseAt && !lost) {
                    lost = true;
                    throw new StepsLostException("a host was lost during step " + step);
                }
                return loss;
            }

            @Override
            public boolean canLoseSteps() {
                return true;
            }
        };
    }

    private static Trainer trainer(Mlp model, ShardExecutor executor, TrainingListener listener) {
        return new Trainer(model, DATA, CONFIG, Optimizers.create("adam", OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.05, TOTAL), listener, executor);
    }

    private static RunConfig run() {
        return new RunConfig(SPEC, Activation.RELU, "adam", OptimizerSettings.defaults(), 0.05, "cosine", CONFIG.batchSize(),
                CONFIG.epochs(), CONFIG.steps(), CONFIG.shuffle(), CONFIG.seed(), CONFIG.shards(), TOTAL, DATA.train().size());
    }

    /** The listener's lines "went back to step S (SOURCE)". */
    private static final class WentBack implements TrainingListener {
        final List<String> lines = new ArrayList<>();

        @Override
        public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
        }

        @Override
        public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        }

        @Override
        public void onWentBack(long step, String source, String why) {
            lines.add(step + " " + source + ": " + why);
        }

        @Override
        public void onFinish(TrainingResult result) {
        }
    }

    @Test
    void stepsLostAfterACheckpointAreRunAgainFromItAndBeforeTheFirstFromTheStart() {
        Mlp reference = Mlp.initialized(SPEC, Activation.RELU, 5);
        new Trainer(reference, DATA, CONFIG, Optimizers.create("adam", OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.05, TOTAL), new PlainProgress(new PrintWriter(Writer.nullWriter()))).run();
        for (long loseAt : new long[] {11, 3}) {
            Mlp model = Mlp.initialized(SPEC, Activation.RELU, 5);
            WentBack listener = new WentBack();
            CheckpointStore store = new CheckpointStore(dir.resolve("lost-at-" + loseAt), run());
            trainer(model, losingOnce(model, loseAt), listener).checkpointEvery(store, 4).run();
            String expected = loseAt == 11 ? "8 " + store.directory().resolve(CheckpointStore.fileName(8)) : "0 the run's start";
            assertEquals(List.of(expected + ": a host was lost during step " + loseAt), listener.lines);
            for (int i = 0; i < model.parameters().size(); i++) {
                Tensor expectedWeights = reference.parameters().get(i);
                float[] a = expectedWeights.toFloatArray();
                float[] b = model.parameters().get(i).toFloatArray();
                for (int e = 0; e < a.length; e++) {
                    assertEquals(Float.floatToRawIntBits(a[e]), Float.floatToRawIntBits(b[e]),
                            "lost at " + loseAt + ": parameter " + i + " element " + e);
                }
            }
        }
    }

    @Test
    void withoutCheckpointsLostStepsFailTheRun() {
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 5);
        StepsLostException lost = assertThrows(StepsLostException.class,
                () -> trainer(model, losingOnce(model, 6), new WentBack()).run());
        assertTrue(lost.getMessage().contains("during step 6"), lost.getMessage());
        assertSame(StepsLostException.class, lost.getClass());
    }
}
