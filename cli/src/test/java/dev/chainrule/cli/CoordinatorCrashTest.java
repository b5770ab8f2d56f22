package dev.chainrule.cli;

import static dev.chainrule.cli.TrainCommandTest.DONE_LINE;
import static dev.chainrule.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.chainrule.checkpoint.CheckpointStore;
import dev.chainrule.cli.TrainCommandTest.Run;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes with real processes on loopback: a coordinator killed with SIGKILL at a random step and
 * started again with the same arguments resumes from its newest checkpoint, its worker processes
 * reconnect by themselves, and the run saves the bytes of an uninterrupted {@code train --shards 2};
 * a coordinator that loses its only worker writes a checkpoint of the last completed step before it
 * stops, and resumes from it. Every wait is bounded; every process is killed in the end.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CoordinatorCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Pattern LISTENING = Pattern.compile("coordinator listening on 127\\.0\\.0\\.1:(\\d+); .*");
    /**
     * 300 samples in batches of 32: 10 steps per epoch, 300 in all. The kill comes after step 36 at the
     * latest: the hundreds of steps after it leave the test seconds, not milliseconds, to kill the
     * coordinator before it finishes, even when a loaded machine is slow to run the test's thread.
     */
    private static final int TOTAL_STEPS = 300;

    @TempDir
    Path dir;
    Path train;
    Path test;
    Path checkpoints;

    @BeforeEach
    void writeData() throws IOException {
        train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 300, 4, 3, 1);
        test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 100, 4, 3, 2);
        checkpoints = dir.resolve("checkpoints");
    }

    private List<String> data() {
        return List.of("--train", train.toString(), "--test", test.toString());
    }

    /** {@code command}, the data, the run's options (30 epochs of batches of 32, Adam), then {@code more}. */
    private String[] args(String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(data());
        all.addAll(List.of("--model", "4-8-3", "--batch", "32", "--epochs", String.valueOf(TOTAL_STEPS / 10), "--lr", "0.01"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private String[] coordinatorArgs(int port, int workers, String workerWait, Path weights) {
        return args("coordinator", "--bind", "127.0.0.1", "--port", String.valueOf(port), "--workers", String.valueOf(workers),
                "--worker-wait", workerWait, "--step-timeout", "30s", "--checkpoint-dir", checkpoints.toString(),
                "--checkpoint-every", "3", "--save", weights.toString());
    }

    private ChainruleProcess worker(String address, String name, String reconnectTimeout) throws IOException {
        List<String> args = new ArrayList<>(List.of("worker", "--coordinator", address, "--name", name, "--connect-timeout", "120s",
                "--reconnect-timeout", reconnectTimeout));
        args.addAll(data());
        return ChainruleProcess.start(args.toArray(new String[0]));
    }

    @Test
    void aCoordinatorKilledAtARandomStepAndRestartedEndsWithTheBytesOfAnUninterruptedRun() throws Exception {
        long seed = Long.getLong("chainrule.crashSeed", System.nanoTime());
        Random random = new Random(seed);
        long killAfter = 3 * (2 + random.nextInt(11)); // a checkpoint step from 6 to 36
        int extraMillis = random.nextInt(40); // and somewhere in the steps after it
        String context = "kill seed " + seed + " (-Dchainrule.crashSeed): after checkpoint " + killAfter + " + " + extraMillis + " ms";

        int port = unusedPort();
        String address = "127.0.0.1:" + port;
        Path weights = dir.resolve("coordinator.safetensors");
        try (ChainruleProcess first = worker(address, "first", "60s"); ChainruleProcess second = worker(address, "second", "60s")) {
            long resumedAt;
            try (ChainruleProcess coordinator = ChainruleProcess.start(coordinatorArgs(port, 2, "120s", weights))) {
                coordinator.awaitOut(LISTENING, WAIT);
                awaitCheckpoint(killAfter, coordinator, context);
                Thread.sleep(extraMillis);
                assertEquals(137, coordinator.kill(), "128 + SIGKILL: no Stop, no last checkpoint");
                assertFalse(coordinator.out().contains("done: "), "killed before the end; " + context + "\n" + coordinator.transcript());
                resumedAt = newestStep();
                assertTrue(resumedAt >= killAfter && resumedAt < TOTAL_STEPS, context + ": newest checkpoint " + resumedAt);
            }
            try (ChainruleProcess restarted = ChainruleProcess.start(coordinatorArgs(port, 2, "120s", weights))) {
                assertEquals(0, restarted.awaitExit(WAIT), context + "\n" + restarted.transcript());
                assertTrue(restarted.out().lines().anyMatch(("resuming from " + checkpoints.resolve(CheckpointStore.fileName(resumedAt))
                        + " at step " + resumedAt)::equals), context + "\n" + restarted.transcript());
                assertTrue(restarted.out().contains("saved weights to " + weights), restarted.transcript());
                assertFalse(restarted.err().contains("error"), restarted.transcript());

                Path localWeights = dir.resolve("local.safetensors");
                Run local = run(args("train", "--shards", "2", "--save", localWeights.toString()));
                assertEquals(0, local.exitCode(), local.err());
                assertArrayEquals(Files.readAllBytes(localWeights), Files.readAllBytes(weights),
                        "killed and restarted, the coordinator saves the bytes of train --shards 2; " + context);
                assertEquals(doneFigures(local.out()), doneFigures(restarted.out()), "the final test loss and accuracy");
            }
            for (ChainruleProcess worker : List.of(first, second)) {
                assertEquals(0, worker.awaitExit(WAIT), context + "\n" + worker.transcript());
                String name = worker == first ? "first" : "second";
                assertTrue(worker.err().contains(name + ": lost the coordinator: ") && worker.err().contains(name + ": joined the run again"),
                        worker.transcript());
                assertTrue(worker.out().startsWith(name + ": finished after ") && worker.out().contains(", in 2 sessions"),
                        worker.transcript());
            }
        }
    }

    @Test
    void aCoordinatorLeftWithoutWorkersWritesACheckpointStopsAndResumesFromIt() throws Exception {
        Path weights = dir.resolve("coordinator.safetensors");
        int port = unusedPort();
        String address = "127.0.0.1:" + port;
        // a checkpoint only at the last step: the only one this run writes is the one of the failure
        List<String> options = List.of("--bind", "127.0.0.1", "--port", String.valueOf(port), "--workers", "1", "--step-timeout", "30s",
                "--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", String.valueOf(TOTAL_STEPS), "--save", weights.toString());
        List<String> first = new ArrayList<>(options);
        // the same wait covers the first join and the wait for a worker once it is gone: long enough for a
        // worker JVM started first to join on a loaded machine (several seconds there), short enough to keep the test quick
        first.addAll(List.of("--worker-wait", "15s"));
        long failedAt;
        try (ChainruleProcess worker = worker(address, "only", "1s");
                ChainruleProcess coordinator = ChainruleProcess.start(args("coordinator", first.toArray(new String[0])))) {
            coordinator.awaitOut(Pattern.compile("epoch 1  step 10  .*"), WAIT);
            assertEquals(137, worker.kill(), "128 + SIGKILL");
            assertEquals(1, coordinator.awaitExit(WAIT), coordinator.transcript());
            Matcher stopped = Pattern.compile("the run stopped; its newest checkpoint is (.+) \\(after step (\\d+)\\): run the same command"
                    + " again to resume from it").matcher("");
            failedAt = coordinator.out().lines().filter(l -> stopped.reset(l).matches()).findFirst()
                    .map(l -> Long.parseLong(stopped.group(2))).orElseThrow(() -> new AssertionError(coordinator.transcript()));
            assertEquals(checkpoints.resolve(CheckpointStore.fileName(failedAt)).toString(), stopped.group(1));
            assertTrue(failedAt >= 10 && failedAt < TOTAL_STEPS, coordinator.transcript());
            assertEquals(failedAt, newestStep(), "the checkpoint of the last completed step, written when the step failed");
            assertTrue(coordinator.err().lines().anyMatch(l -> l.startsWith("error: the run failed: ")), coordinator.transcript());
        }
        List<String> second = new ArrayList<>(options);
        second.addAll(List.of("--worker-wait", "120s"));
        try (ChainruleProcess coordinator = ChainruleProcess.start(args("coordinator", second.toArray(new String[0])));
                ChainruleProcess worker = worker(address, "replacement", "30s")) {
            assertEquals(0, coordinator.awaitExit(WAIT), coordinator.transcript());
            assertTrue(coordinator.out().contains("resuming from " + checkpoints.resolve(CheckpointStore.fileName(failedAt)) + " at step "
                    + failedAt + "\n"), coordinator.transcript());
            assertEquals(0, worker.awaitExit(WAIT), worker.transcript());
        }
        Path localWeights = dir.resolve("local.safetensors");
        Run local = run(args("train", "--save", localWeights.toString()));
        assertEquals(0, local.exitCode(), local.err());
        assertArrayEquals(Files.readAllBytes(localWeights), Files.readAllBytes(weights), "resumed, the bytes of train in one process");
    }

    /** Waits until a checkpoint after {@code step} or later is in the directory (the coordinator has done that many steps). */
    private void awaitCheckpoint(long step, ChainruleProcess coordinator, String context) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (newestStep() < step) {
            if (System.nanoTime() > deadline) {
                fail("no checkpoint after step " + step + " within " + WAIT + " (newest: " + newestStep() + "); " + context + "\n"
                        + coordinator.transcript());
            }
            Thread.sleep(2);
        }
    }

    /** The step of the newest checkpoint file, or -1. */
    private long newestStep() throws IOException {
        if (!Files.isDirectory(checkpoints)) {
            return -1;
        }
        try (Stream<Path> files = Files.list(checkpoints)) {
            return files.mapToLong(CheckpointStore::stepOf).max().orElse(-1);
        }
    }

    /** The steps, test loss and test accuracy of the done line. */
    private static List<String> doneFigures(String out) {
        return out.lines().map(DONE_LINE::matcher).filter(Matcher::matches).findFirst()
                .map(m -> List.of(m.group(1), m.group(2), m.group(3))).orElseThrow(() -> new AssertionError("no done line in\n" + out));
    }

    /** A loopback port nothing listens on (it was free a moment ago). */
    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
