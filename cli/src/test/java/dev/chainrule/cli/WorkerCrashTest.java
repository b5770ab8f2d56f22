package dev.chainrule.cli;

import static dev.chainrule.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.cli.TrainCommandTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process killed with SIGKILL (kill -9) at a step drawn from a seeded random, in a real
 * multi-process run: a {@code coordinator} process and two {@code worker} processes on loopback,
 * a replacement worker process started after the loss. The run must complete and save the bytes of
 * {@code train --shards 2} in one process. Every wait is bounded; every process is killed at the end
 * if it still runs.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class WorkerCrashTest {
    /**
     * Decides which worker dies, in which epoch, how far into it, and how long before the replacement
     * starts; {@code -Dchainrule.workerCrashSeed=N} draws another.
     */
    private static final long SEED = Long.getLong("chainrule.workerCrashSeed", 20_251_126L);
    /** Long enough (tens of seconds) that a replacement worker JVM joins well before the end. */
    private static final long STEPS = 300;
    private static final Duration EXIT_WAIT = Duration.ofSeconds(120);
    private static final Pattern LISTENING = Pattern.compile(
            "coordinator listening on 127\\.0\\.0\\.1:(\\d+); waiting up to 120s for 2 workers");

    @TempDir
    Path dir;
    Path train;
    Path test;

    @BeforeEach
    void writeData() throws IOException {
        // 300 samples in batches of 32: 10 steps per epoch, 30 epochs in 300 steps; with the wide hidden layers the run
        // takes long enough (tens of seconds) that a replacement JVM joins well before the end
        train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 300, 4, 3, 1);
        test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 100, 4, 3, 2);
    }

    @Test
    void aWorkerKilledAtARandomStepIsReplacedAndTheRunSavesTheBytesOfAnUninterruptedRun() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        int killEpoch = random.nextInt(2, 4); // after the line of epoch 1 or 2 …
        long killDelayMillis = random.nextLong(0, 1_000); // … and up to a second into the next
        int victim = random.nextInt(2);
        long replacementDelayMillis = random.nextLong(0, 500);

        Path distributed = dir.resolve("coordinator.safetensors");
        try (ChainruleProcess coordinator = ChainruleProcess.start(args("coordinator", "--bind", "127.0.0.1", "--port", "0",
                "--workers", "2", "--worker-wait", "120s", "--step-timeout", "30s", "--heartbeat-timeout", "5s",
                "--save", distributed.toString()))) {
            String address = "127.0.0.1:" + coordinator.awaitOut(LISTENING, EXIT_WAIT).group(1);
            List<String> names = List.of("first", "second");
            try (ChainruleProcess first = worker(address, names.get(0)); ChainruleProcess second = worker(address, names.get(1))) {
                ChainruleProcess killed = victim == 0 ? first : second;
                ChainruleProcess survivor = victim == 0 ? second : first;
                String killedName = names.get(victim);
                String survivorName = names.get(1 - victim);

                coordinator.awaitOut(Pattern.compile("epoch " + (killEpoch - 1) + "  step .*"), EXIT_WAIT);
                Thread.sleep(killDelayMillis);
                long killedAt = System.nanoTime();
                assertEquals(137, killed.kill(), "128 + SIGKILL");
                Matcher lost = coordinator.awaitErr(Pattern.compile("coordinator: worker [01] \\(" + killedName + "\\) disconnected .*"
                        + "(during|after) step (\\d+).*"), Duration.ofSeconds(30));
                long detectedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

                Thread.sleep(replacementDelayMillis);
                try (ChainruleProcess replacement = worker(address, "replacement")) {
                    Matcher joined = coordinator.awaitErr(Pattern.compile("coordinator: worker 2 \\(replacement\\) joined (during|after)"
                            + " step (\\d+); it takes shards from step (\\d+)"), EXIT_WAIT);
                    long firstStep = Long.parseLong(joined.group(3));
                    assertEquals(0, coordinator.awaitExit(EXIT_WAIT), coordinator.transcript());
                    assertEquals(0, survivor.awaitExit(EXIT_WAIT), survivor.transcript());
                    assertEquals(0, replacement.awaitExit(EXIT_WAIT), replacement.transcript());
                    assertTrue(survivor.out().startsWith(survivorName + ": finished after " + STEPS + " steps, "), survivor.transcript());
                    Matcher done = Pattern.compile("(?m)^replacement: finished after (\\d+) steps, (\\d+) shards, ")
                            .matcher(replacement.out());
                    assertTrue(done.find(), replacement.transcript());
                    assertTrue(firstStep < STEPS, "seed " + SEED + ": the replacement joined before the end: " + joined.group());
                    assertEquals(STEPS - firstStep, Long.parseLong(done.group(2)), "seed " + SEED + ": one shard in every step from step "
                            + firstStep + " on\n" + coordinator.transcript());
                    System.out.printf("seed %d: killed %s (-9) %d ms after the line of epoch %d: lost %s step %s (reported after %d"
                            + " ms); the replacement took shards from step %d%n", SEED, killedName, killDelayMillis, killEpoch - 1,
                            lost.group(1), lost.group(2), detectedMillis, firstStep);
                }
            }
            assertTrue(coordinator.out().contains("saved weights to " + distributed), coordinator.transcript());
        }

        Path local = dir.resolve("local.safetensors");
        Run uninterrupted = run(args("train", "--shards", "2", "--save", local.toString()));
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.err());
        assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(distributed),
                "the run that lost a worker saves the bytes of train --shards 2");
    }

    @Test
    void heartbeatTimeoutIsAnOptionOfTheCoordinatorAndOfTrainAndMustExceedTheHeartbeatInterval() {
        for (String command : List.of("coordinator", "train")) {
            Run help = run(command, "--help");
            assertTrue(help.out().contains("--heartbeat-timeout"), help.out());
        }
        Run tooShort = run(args("coordinator", "--bind", "127.0.0.1", "--port", "0", "--workers", "1", "--heartbeat-timeout", "500ms"));
        assertEquals(2, tooShort.exitCode(), tooShort.out() + tooShort.err());
        assertEquals("error: --heartbeat-timeout 500ms (expected: > 1s, the workers' heartbeat interval)\n", tooShort.err());
    }

    /** {@code command} with the data and the run's options ({@link #STEPS} steps of batches of 32, a 4-512-512-3 MLP), then {@code more}. */
    private String[] args(String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command, "--train", train.toString(), "--test", test.toString(),
                "--model", "4-512-512-3", "--batch", "32", "--steps", String.valueOf(STEPS), "--lr", "0.001"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private ChainruleProcess worker(String coordinator, String name) throws IOException {
        return ChainruleProcess.start("worker", "--coordinator", coordinator, "--name", name, "--connect-timeout", "120s",
                "--train", train.toString(), "--test", test.toString());
    }
}
