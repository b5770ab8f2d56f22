package dev.chainrule.cli;

import static dev.chainrule.cli.TrainCommandTest.assertInputError;
import static dev.chainrule.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.checkpoint.Checkpoint;
import dev.chainrule.checkpoint.CheckpointFile;
import dev.chainrule.cli.TrainCommandTest.Run;
import dev.chainrule.optim.OptimizerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --checkpoint-dir}: checkpoints do not change the weights, a run resumed from one saves
 * the bytes of a run that never stopped, a damaged checkpoint is skipped with a warning, and a
 * directory without an intact checkpoint or with another run's is refused (exit 2).
 */
class CheckpointCommandTest {
    @TempDir
    Path dir;
    Path train;
    Path test;

    @BeforeEach
    void writeData() throws IOException {
        // 120 samples in batches of 16: 8 steps per epoch, 24 in all
        train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 120, 4, 3, 1);
        test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 60, 4, 3, 2);
    }

    private String[] args(String... more) {
        List<String> all = new ArrayList<>(List.of("train", "--train", train.toString(), "--test", test.toString(), "--model", "4-8-3",
                "--epochs", "3", "--batch", "16", "--lr", "0.01"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private Run train(String... more) {
        Run run = run(args(more));
        assertEquals(0, run.exitCode(), () -> String.join(" ", args(more)) + "\n" + run.out() + run.err());
        return run;
    }

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Flips {@code mask} in the byte at 1/{@code part} of {@code file}; returns the file's new bytes. */
    private static byte[] flipBit(Path file, int part, int mask) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / part] ^= mask;
        Files.write(file, bytes);
        return bytes;
    }

    /** A new checkpoint directory holding copies of {@code from}'s checkpoints after the given steps. */
    private Path copyOf(Path from, String name, long... steps) throws IOException {
        Path to = Files.createDirectories(dir.resolve(name));
        for (long step : steps) {
            String file = String.format("checkpoint-%09d.ckpt", step);
            Files.copy(from.resolve(file), to.resolve(file));
        }
        return to;
    }

    @Test
    void checkpointsChangeNothingAndAResumedRunSavesTheBytesOfAnUninterruptedOne() throws IOException {
        Path plain = dir.resolve("plain.safetensors");
        train("--save", plain.toString());
        byte[] expected = Files.readAllBytes(plain);

        Path checkpoints = dir.resolve("checkpoints");
        Path checkpointed = dir.resolve("checkpointed.safetensors");
        Run first = train("--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "5", "--save", checkpointed.toString());
        assertArrayEquals(expected, Files.readAllBytes(checkpointed), "writing checkpoints leaves the weights alone");
        assertEquals(List.of("checkpoint-000000020.ckpt", "checkpoint-000000024.ckpt"), names(checkpoints),
                "every 5 steps and after the last; the newest two kept");
        assertTrue(first.out().lines().noneMatch(l -> l.startsWith("resuming")), first.out());

        // what a crash after step 20 leaves: resumed mid-epoch (batch 4 of epoch 2)
        Path crashed = copyOf(checkpoints, "crashed", 20);
        Path resumedWeights = dir.resolve("resumed.safetensors");
        Run resumed = train("--checkpoint-dir", crashed.toString(), "--checkpoint-every", "5", "--save", resumedWeights.toString());
        assertTrue(resumed.outLines().contains("resuming from " + crashed.resolve("checkpoint-000000020.ckpt") + " at step 20"),
                resumed.out());
        assertTrue(resumed.outLines().get(0).startsWith("training 4-8-3 relu"), "the header first: " + resumed.out());
        assertArrayEquals(expected, Files.readAllBytes(resumedWeights), "the resumed run saves the bytes of the uninterrupted one");
        assertTrue(resumed.out().contains("done: 24 steps in "), resumed.out());
        assertEquals(List.of("checkpoint-000000020.ckpt", "checkpoint-000000024.ckpt"), names(crashed));
        assertArrayEquals(Files.readAllBytes(checkpoints.resolve("checkpoint-000000024.ckpt")),
                Files.readAllBytes(crashed.resolve("checkpoint-000000024.ckpt")), "the same final checkpoint, byte for byte");

        // a finished run resumed: nothing left to do, the same weights saved again
        Path again = dir.resolve("again.safetensors");
        Run finished = train("--checkpoint-dir", checkpoints.toString(), "--save", again.toString());
        assertTrue(finished.outLines().contains("resuming from " + checkpoints.resolve("checkpoint-000000024.ckpt") + " at step 24"),
                finished.out());
        assertArrayEquals(expected, Files.readAllBytes(again));
    }

    @Test
    void aDamagedNewestCheckpointIsSkippedWithAWarningAndThePreviousOneIsUsed() throws IOException {
        Path plain = dir.resolve("plain.safetensors");
        train("--save", plain.toString());
        Path checkpoints = dir.resolve("checkpoints");
        train("--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "7");
        assertEquals(List.of("checkpoint-000000021.ckpt", "checkpoint-000000024.ckpt"), names(checkpoints));

        Path newest = checkpoints.resolve("checkpoint-000000024.ckpt");
        flipBit(newest, 3, 0x40);
        Path weights = dir.resolve("weights.safetensors");
        Run run = train("--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "7", "--save", weights.toString());
        List<String> lines = run.outLines();
        int warning = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("warning: skipped a checkpoint that cannot be used: " + newest + ": ")) {
                warning = i;
            }
        }
        assertTrue(warning > 0 && lines.get(warning).contains("SHA-256"), run.out());
        assertEquals("resuming from " + checkpoints.resolve("checkpoint-000000021.ckpt") + " at step 21", lines.get(warning + 1));
        assertArrayEquals(Files.readAllBytes(plain), Files.readAllBytes(weights));
        Run intact = train("--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "7");
        assertTrue(intact.out().contains(" at step 24") && !intact.out().contains("warning"), "the damaged file was replaced: "
                + intact.out());
    }

    @Test
    void aDamagedNewerCheckpointIsMovedAsideSoThatTheIntactOneIsKept() throws IOException {
        Path checkpoints = dir.resolve("checkpoints");
        train("--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "7", "--steps", "14");
        Path intact = checkpoints.resolve("checkpoint-000000007.ckpt");
        Path damaged = checkpoints.resolve("checkpoint-000000014.ckpt");
        byte[] bytes = flipBit(damaged, 2, 0x01);

        // "keep the newest two" after the resumed run's checkpoint must keep the intact 7, not the damaged 14
        Run run = train("--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "7", "--steps", "14");
        assertTrue(run.out().contains("warning: skipped a checkpoint that cannot be used: " + damaged + ": the SHA-256"), run.out());
        assertTrue(run.out().contains("; moved aside to " + damaged + ".damaged"), run.out());
        assertTrue(run.outLines().contains("resuming from " + intact + " at step 7"), run.out());
        assertEquals(List.of("checkpoint-000000007.ckpt", "checkpoint-000000014.ckpt", "checkpoint-000000014.ckpt.damaged"),
                names(checkpoints));
        assertArrayEquals(bytes, Files.readAllBytes(checkpoints.resolve("checkpoint-000000014.ckpt.damaged")));
    }

    @Test
    void anIntactCheckpointWithAnotherOptimizersStateIsSkippedAndTheOlderOneUsed() throws IOException {
        Path plain = dir.resolve("plain.safetensors");
        train("--save", plain.toString());
        Path checkpoints = dir.resolve("checkpoints");
        train("--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "10");
        Path newest = checkpoints.resolve("checkpoint-000000024.ckpt");
        Checkpoint good = CheckpointFile.read(newest);
        LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
        good.weights().forEach((name, w) -> buffers.put(name + ".momentum_buffer", w.copy()));
        // a valid checksum over the state of another optimiser than the run's (adam)
        CheckpointFile.write(newest, new Checkpoint(good.step(), good.epoch(), good.batchInEpoch(), good.seed(), good.config(),
                good.weights(), OptimizerState.of("momentum", good.step(), buffers)));

        Path weights = dir.resolve("weights.safetensors");
        Run run = train("--checkpoint-dir", checkpoints.toString(), "--save", weights.toString());
        assertTrue(run.out().contains("warning: skipped a checkpoint that cannot be used: " + newest + ": intact, but cannot continue"
                + " this run: cannot import the state of a 'momentum' optimizer into a 'adam' optimizer; moved aside to " + newest
                + ".damaged"), run.out());
        assertTrue(run.outLines().contains("resuming from " + checkpoints.resolve("checkpoint-000000020.ckpt") + " at step 20"),
                run.out());
        assertArrayEquals(Files.readAllBytes(plain), Files.readAllBytes(weights), "resumed from the older one to the same bytes");
    }

    @Test
    void aDirectoryWithoutAnIntactCheckpointIsAnInputErrorNamingEveryFile() throws IOException {
        Path checkpoints = dir.resolve("checkpoints");
        train("--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "10");
        Path older = checkpoints.resolve("checkpoint-000000020.ckpt");
        Path newer = checkpoints.resolve("checkpoint-000000024.ckpt");
        Files.write(older, Arrays.copyOf(Files.readAllBytes(older), 500));
        Files.write(newer, new byte[0]);
        String err = assertInputError(args("--checkpoint-dir", checkpoints.toString()),
                checkpoints + ": no valid checkpoint among 2 files:", "\n  - " + newer + ": ", "\n  - " + older + ": ", "truncated");
        assertTrue(err.startsWith("error: "), err);
    }

    @Test
    void aCheckpointOfAnotherRunIsRefusedNamingWhatDiffers() {
        Path checkpoints = dir.resolve("checkpoints");
        train("--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "10");
        assertInputError(args("--checkpoint-dir", checkpoints.toString(), "--momentum", "0.5"),
                "checkpoint-000000024.ckpt was written by a run with another configuration",
                "momentum is 0.9 in the checkpoint, 0.5 in this run");
        assertInputError(args("--checkpoint-dir", checkpoints.toString(), "--optimizer", "sgd", "--steps", "30"),
                "optimizer is adam in the checkpoint, sgd in this run", "steps is 0 in the checkpoint, 30 in this run",
                "total-steps is 24 in the checkpoint, 30 in this run");
    }

    @Test
    void checkpointOptionsAreCheckedAndExplained() {
        assertInputError(args("--checkpoint-every", "5"), "--checkpoint-every needs --checkpoint-dir");
        assertInputError(args("--checkpoint-dir", dir.resolve("c").toString(), "--checkpoint-every", "0"),
                "--checkpoint-every 0 (expected: >= 1)");
        for (String command : List.of("train", "coordinator")) {
            Run help = run(command, "--help");
            assertEquals(0, help.exitCode());
            assertTrue(help.out().contains("--checkpoint-dir=DIR") && help.out().contains("--checkpoint-every=K"), help.out());
        }
        Run worker = run("worker", "--help");
        assertTrue(worker.out().contains("--reconnect-timeout=DURATION"), worker.out());
    }
}
