package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.checkpoint.Checkpoint;
import dev.chainrule.checkpoint.CheckpointFile;
import dev.chainrule.checkpoint.CheckpointStore;
import dev.chainrule.checkpoint.RunConfig;
import dev.chainrule.data.DataSplit;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A run stopped after a checkpoint and resumed from it by a new trainer, with a new model and a new
 * optimiser, ends with the bits of a run that never stopped: for every optimiser, with one and with
 * several shards, from the middle of an epoch and from its end; also from the checkpoint a failing
 * step leaves behind.
 */
class TrainerResumeTest {
    private static final ModelSpec SPEC = ModelSpec.of(4, 8, 3);
    /** 50 samples in batches of 8: 7 steps per epoch (the last of 2 samples); 20 steps end in the third epoch. */
    private static final DataSplit DATA = SyntheticData.blobSplit(50, 30, 1.0);
    private static final long TOTAL = 20;
    private static final long INIT_SEED = 5;

    @TempDir
    Path dir;

    /** What a kill -9 does to a run: it just stops, with no chance to write anything. */
    private static final class Killed extends Error {
        private static final long serialVersionUID = 1L;
    }

    private static TrainingConfig config(int shards) {
        return new TrainingConfig(8, 3, TOTAL, true, 42, shards);
    }

    private static RunConfig runConfig(String optimizer, TrainingConfig config) {
        return new RunConfig(SPEC, Activation.RELU, optimizer, OptimizerSettings.defaults(), 0.05, "cosine", config.batchSize(),
                config.epochs(), config.steps(), config.shuffle(), config.seed(), config.shards(), TOTAL, DATA.train().size());
    }

    private static Optimizer optimizer(String kind) {
        return Optimizers.create(kind, OptimizerSettings.defaults());
    }

    /** A trainer whose executor computes locally but throws {@code failure} when asked for step {@code failAt}. */
    private static Trainer trainer(Mlp model, TrainingConfig config, String optimizer, TrainingListener listener, long failAt,
            RuntimeException failure) {
        LocalShardExecutor local = new LocalShardExecutor(model, DATA.train());
        ShardExecutor executor = (step, batch, plan, reduction) -> {
            if (step == failAt) {
                if (failure == null) {
                    throw new Killed();
                }
                throw failure;
            }
            return local.compute(step, batch, plan, reduction);
        };
        return new Trainer(model, DATA, config, optimizer(optimizer), LearningRateSchedules.create("cosine", 0.05, TOTAL), listener,
                executor);
    }

    private static Trainer trainer(Mlp model, TrainingConfig config, String optimizer) {
        return trainer(model, config, optimizer, quiet(), -1, null);
    }

    private static TrainingListener quiet() {
        return new PlainProgress(new PrintWriter(Writer.nullWriter()));
    }

    private static List<float[]> weights(Mlp model) {
        return model.parameters().stream().map(Tensor::toFloatArray).toList();
    }

    private static void assertBitIdentical(List<float[]> expected, List<float[]> actual, String what) {
        for (int i = 0; i < expected.size(); i++) {
            for (int e = 0; e < expected.get(i).length; e++) {
                assertEquals(Float.floatToRawIntBits(expected.get(i)[e]), Float.floatToRawIntBits(actual.get(i)[e]),
                        what + ": parameter " + i + " element " + e);
            }
        }
    }

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (String optimizer : List.of("sgd", "momentum", "adam")) {
            for (int shards : new int[] {1, 3}) {
                runs.add(Arguments.of(optimizer, shards, 3, 12)); // resumes with batch 5 of epoch 1: mid-epoch
                runs.add(Arguments.of(optimizer, shards, 7, 14)); // resumes with batch 0 of epoch 2
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0}, {1} shard(s), checkpoint every {2}, killed after step {3}")
    @MethodSource("runs")
    void aRunKilledAfterACheckpointAndResumedEndsWithTheBitsOfAnUninterruptedRun(String optimizer, int shards, int every,
            long killedAfter) throws IOException {
        TrainingConfig config = config(shards);
        RunConfig run = runConfig(optimizer, config);
        Mlp reference = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        CheckpointStore referenceStore = new CheckpointStore(dir.resolve("reference"), run);
        trainer(reference, config, optimizer).checkpointEvery(referenceStore, every).run();

        CheckpointStore store = new CheckpointStore(dir.resolve("resumed"), run);
        Mlp killed = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        assertThrows(Killed.class, () -> trainer(killed, config, optimizer, quiet(), killedAfter + 1, null)
                .checkpointEvery(store, every).run());
        CheckpointStore.Found found = store.latest().orElseThrow();
        assertEquals(killedAfter, found.checkpoint().step());
        assertEquals(killedAfter / 7, found.checkpoint().epoch());
        assertEquals(killedAfter % 7, found.checkpoint().batchInEpoch());

        // a new process: another model (other initial weights) and a new optimiser, resumed from the file
        Mlp resumed = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED + 1000);
        trainer(resumed, config, optimizer).checkpointEvery(store, every).resumeFrom(CheckpointFile.read(found.file())).run();

        assertBitIdentical(weights(reference), weights(resumed), optimizer + " resumed after step " + killedAfter);
        assertArrayEquals(Files.readAllBytes(referenceStore.directory().resolve(CheckpointStore.fileName(TOTAL))),
                Files.readAllBytes(store.directory().resolve(CheckpointStore.fileName(TOTAL))),
                "the final checkpoints (weights and optimiser state) are the same bytes");
    }

    @Test
    void aFailingStepLeavesACheckpointOfTheLastCompletedStepAndRethrows() throws IOException {
        TrainingConfig config = config(2);
        RunConfig run = runConfig("adam", config);
        Mlp reference = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        trainer(reference, config, "adam").run();

        CheckpointStore store = new CheckpointStore(dir, run);
        Mlp failed = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        IllegalStateException failure = new IllegalStateException("step 10: no worker is left to compute it");
        Trainer trainer = trainer(failed, config, "adam", quiet(), 10, failure).checkpointEvery(store, 4);
        assertSame(failure, assertThrows(IllegalStateException.class, trainer::run), "the executor's exception, unchanged");
        assertEquals(List.of(dir.resolve(CheckpointStore.fileName(10)), dir.resolve(CheckpointStore.fileName(8))), store.files());
        assertEquals(dir.resolve(CheckpointStore.fileName(10)), trainer.lastCheckpoint().orElseThrow());

        Mlp resumed = Mlp.initialized(SPEC, Activation.RELU, 77);
        trainer(resumed, config, "adam").resumeFrom(store.latest().orElseThrow().checkpoint()).run();
        assertBitIdentical(weights(reference), weights(resumed), "resumed from the failure checkpoint");
    }

    @Test
    void aStepThatFailsRightAfterACheckpointWritesNoOtherOne() throws IOException {
        TrainingConfig config = config(1);
        CheckpointStore store = new CheckpointStore(dir, runConfig("sgd", config));
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        assertThrows(IllegalStateException.class, () -> trainer(model, config, "sgd", quiet(), 8, new IllegalStateException("gone"))
                .checkpointEvery(store, 4).run());
        assertEquals(List.of(dir.resolve(CheckpointStore.fileName(8)), dir.resolve(CheckpointStore.fileName(4))), store.files());

        Mlp resumed = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        Trainer again = trainer(resumed, config, "sgd", quiet(), 8, new IllegalStateException("gone again")).checkpointEvery(store, 4)
                .resumeFrom(store.latest().orElseThrow().checkpoint());
        assertThrows(IllegalStateException.class, again::run);
        assertTrue(again.lastCheckpoint().isEmpty(), "the checkpoint of step 8 is the one it resumed from");
        assertEquals(2, store.files().size());
    }

    @Test
    void aResumedRunReportsOnlyTheStepsItRuns() {
        TrainingConfig config = config(1);
        CheckpointStore store = new CheckpointStore(dir, runConfig("momentum", config));
        Mlp first = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        assertThrows(Killed.class, () -> trainer(first, config, "momentum", quiet(), 13, null).checkpointEvery(store, 6).run());

        List<String> calls = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
                calls.add("step " + step + "/" + totalSteps + " epoch " + epoch);
                assertTrue(Double.isFinite(samplesPerSecond) && Double.isFinite(etaSeconds));
            }

            @Override
            public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
                calls.add("epoch " + epoch + " ends at step " + step);
            }

            @Override
            public void onFinish(TrainingResult result) {
                calls.add("finish after " + result.steps());
            }
        };
        Mlp second = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        try {
            trainer(second, config, "momentum", recorder, -1, null).resumeFrom(store.latest().orElseThrow().checkpoint()).run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(List.of("step 13/20 epoch 2", "step 14/20 epoch 2", "epoch 2 ends at step 14",
                "step 15/20 epoch 3", "step 16/20 epoch 3", "step 17/20 epoch 3", "step 18/20 epoch 3", "step 19/20 epoch 3",
                "step 20/20 epoch 3", "epoch 3 ends at step 20", "finish after 20"), calls);
    }

    @Test
    void aRunResumedFromItsLastStepRunsNoStepAndStillEvaluates() throws IOException {
        TrainingConfig config = config(1);
        CheckpointStore store = new CheckpointStore(dir, runConfig("adam", config));
        Mlp finished = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        trainer(finished, config, "adam").checkpointEvery(store, 100).run();
        assertEquals(List.of(dir.resolve(CheckpointStore.fileName(TOTAL))), store.files(), "the last step always gets a checkpoint");

        Mlp resumed = Mlp.initialized(SPEC, Activation.RELU, 1);
        TrainingResult result = trainer(resumed, config, "adam", quiet(), 0, new IllegalStateException("no step should run"))
                .resumeFrom(store.latest().orElseThrow().checkpoint()).run();
        assertEquals(TOTAL, result.steps());
        assertNotNull(result.test());
        assertEquals(30, result.test().samples());
        assertBitIdentical(weights(finished), weights(resumed), "the checkpoint's weights");
    }

    @Test
    void aCheckpointThatDoesNotFitTheRunIsRefusedBeforeAnythingChanges() throws IOException {
        TrainingConfig config = config(1);
        CheckpointStore store = new CheckpointStore(dir, runConfig("adam", config));
        trainer(Mlp.initialized(SPEC, Activation.RELU, INIT_SEED), config, "adam").checkpointEvery(store, 10).run();
        Checkpoint atTen = CheckpointFile.read(dir.resolve(CheckpointStore.fileName(10)));

        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 3);
        List<float[]> before = weights(model);
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
                () -> trainer(model, config, "sgd").resumeFrom(atTen));
        assertTrue(kind.getMessage().contains("'adam'") && kind.getMessage().contains("'sgd'"), kind.getMessage());
        assertBitIdentical(before, weights(model), "weights untouched");

        TrainingConfig shorter = new TrainingConfig(8, 3, 5, true, 42, 1);
        Trainer five = new Trainer(model, DATA, shorter, optimizer("adam"), LearningRateSchedules.create("cosine", 0.05, 5), quiet());
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class, () -> five.resumeFrom(atTen));
        assertTrue(past.getMessage().contains("after step 10 (expected: <= 5"), past.getMessage());

        TrainingConfig reseeded = new TrainingConfig(8, 3, TOTAL, true, 43, 1);
        Trainer otherSeed = new Trainer(model, DATA, reseeded, optimizer("adam"), LearningRateSchedules.create("cosine", 0.05, TOTAL),
                quiet());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> otherSeed.resumeFrom(atTen)).getMessage()
                .contains("seed 42 (expected: 43"));

        Mlp wider = Mlp.initialized(ModelSpec.of(4, 9, 3), Activation.RELU, 3);
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class, () -> trainer(wider, config, "adam").resumeFrom(atTen));
        assertTrue(shapes.getMessage().contains("fc1.weight"), shapes.getMessage());
        assertBitIdentical(before, weights(model), "weights still untouched");
    }

    @Test
    void aCheckpointThatCannotBeWrittenFailsTheRunNamingTheStep() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        TrainingConfig config = config(1);
        CheckpointStore store = new CheckpointStore(notADirectory, runConfig("sgd", config));
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> trainer(Mlp.initialized(SPEC, Activation.RELU, 1), config, "sgd").checkpointEvery(store, 5).run());
        assertTrue(e.getMessage().startsWith("cannot write the checkpoint after step 5 to " + notADirectory), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> trainer(Mlp.initialized(SPEC, Activation.RELU, 1), config, "sgd")
                .checkpointEvery(store, 0));
    }
}
