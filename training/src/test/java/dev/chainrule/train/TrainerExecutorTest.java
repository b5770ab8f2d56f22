package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.BatchSchedule;
import dev.chainrule.data.DataSplit;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trainer's contract with its {@link ShardExecutor}: what it asks for each step and what it accepts back. */
class TrainerExecutorTest {
    private static final ModelSpec SPEC = ModelSpec.of(4, 6, 3);
    private static final DataSplit DATA = new DataSplit(SyntheticData.random("train", 21, 4, 3, 5), SyntheticData.random("test", 9, 4, 3, 6));

    private static Trainer trainer(Mlp model, TrainingConfig config, ShardExecutor executor) {
        long total = config.totalSteps(Trainer.batches(DATA.train(), config).batchesPerEpoch());
        return new Trainer(model, DATA, config, Optimizers.create("adam", OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.01, total), new PlainProgress(new PrintWriter(Writer.nullWriter())), executor);
    }

    @Test
    void executorIsAskedForEveryStepsBatchAndPlanAndGivesTheLocalResult() {
        TrainingConfig config = new TrainingConfig(8, 2, 0, true, 3, 3);
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 4);
        List<long[]> steps = new ArrayList<>();
        List<int[]> batches = new ArrayList<>();
        LocalShardExecutor local = new LocalShardExecutor(model, DATA.train());
        trainer(model, config, (step, batch, plan, reduction) -> {
            steps.add(new long[] {step, plan.shards()});
            batches.add(batch.clone());
            return local.compute(step, batch, plan, reduction);
        }).run();

        BatchSchedule schedule = Trainer.batches(DATA.train(), config);
        assertEquals(6, steps.size()); // 21 samples in batches of 8: 3 steps per epoch
        for (int s = 0; s < 6; s++) {
            assertEquals(s, steps.get(s)[0]);
            assertEquals(3, steps.get(s)[1]);
            assertArrayEquals(schedule.indicesFor(s), batches.get(s), "step " + s);
        }
        Mlp reference = Mlp.initialized(SPEC, Activation.RELU, 4);
        new Trainer(reference, DATA, config, Optimizers.create("adam", OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.01, 6), new PlainProgress(new PrintWriter(Writer.nullWriter()))).run();
        for (int i = 0; i < model.parameters().size(); i++) {
            assertArrayEquals(reference.parameters().get(i).toFloatArray(), model.parameters().get(i).toFloatArray());
        }
    }

    @Test
    void shardGradientOfLocalExecutorIsTheGradientOverThoseSamples() {
        Mlp model = Mlp.initialized(SPEC, Activation.TANH, 4);
        int[] samples = {3, 17, 0, 9};
        ShardGradient g = LocalShardExecutor.shardGradient(model, DATA.train(), samples);
        float[] x = new float[16];
        int[] y = new int[4];
        DATA.train().copyBatch(samples, x, y);
        ShardGradient expected = ShardGradient.compute(model, Tensor.of(x, 4, 4), y);
        assertEquals(4, g.samples());
        assertEquals(expected.lossSum(), g.lossSum(), 0);
        for (int i = 0; i < g.gradients().size(); i++) {
            assertArrayEquals(expected.gradients().get(i).toFloatArray(), g.gradients().get(i).toFloatArray());
        }
    }

    @Test
    void shardsThatDoNotCoverTheBatchAreAnErrorNotASilentlyWrongMean() {
        // an executor that loses the last shard (a worker that never answered) must not yield a step
        TrainingConfig config = new TrainingConfig(8, 1, 0, false, 0, 2);
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 4);
        float[] before = model.parameters().get(0).toFloatArray();
        RuntimeException e = assertThrows(RuntimeException.class, () -> trainer(model, config, (step, batch, plan, reduction) -> {
            for (int s = 0; s < plan.shards() - 1; s++) {
                ShardGradient g = LocalShardExecutor.shardGradient(model, DATA.train(),
                        Arrays.copyOfRange(batch, plan.start(s), plan.start(s) + plan.size(s)));
                for (int p = 0; p < g.gradients().size(); p++) {
                    reduction.add(s, p, g.gradients().get(p));
                }
                reduction.addLoss(s, g.lossSum(), g.samples());
            }
            return reduction.finish();
        }).run());
        assertTrue(e.getMessage().contains("step"), e.getMessage());
        assertArrayEquals(before, model.parameters().get(0).toFloatArray(), "no update from an incomplete batch");
    }
}
