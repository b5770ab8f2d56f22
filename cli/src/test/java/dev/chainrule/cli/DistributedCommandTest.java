package dev.chainrule.cli;

import static dev.chainrule.cli.TrainCommandTest.DONE_LINE;
import static dev.chainrule.cli.TrainCommandTest.EPOCH_LINE;
import static dev.chainrule.cli.TrainCommandTest.metrics;
import static dev.chainrule.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.cli.TrainCommandTest.Run;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --workers}, {@code coordinator} and {@code worker} with real worker processes (JVMs
 * started with this test's class path) on loopback, on small CSV files: the distributed runs must
 * save the bytes, print the epoch lines and write the metrics of {@code train --shards S} in one
 * process. Every wait for a process is bounded.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DistributedCommandTest {
    /** How long a process that should end by itself gets before the test fails (and kills it). */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile(
            "coordinator listening on 127\\.0\\.0\\.1:(\\d+); waiting up to 120s for 2 workers");

    @TempDir
    Path dir;
    Path train;
    Path test;

    @BeforeEach
    void writeData() throws IOException {
        // 4 features, 3 learnable classes; 300 samples in batches of 32: 10 steps per epoch, the last of 12 samples
        train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 300, 4, 3, 1);
        test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 100, 4, 3, 2);
    }

    /** {@code command} with the data, the model and the run's options (2 epochs of batches of 32), then {@code more}. */
    private String[] args(String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(data());
        all.addAll(List.of("--model", "4-8-3", "--batch", "32", "--epochs", "2", "--lr", "0.01"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private List<String> data() {
        return List.of("--train", train.toString(), "--test", test.toString());
    }

    @Test
    void trainOnTwoWorkerProcessesSavesPrintsAndReportsWhatTheLocalRunWithTwoShardsDoes() throws IOException {
        Path distributedWeights = dir.resolve("a.safetensors");
        Path distributedMetrics = dir.resolve("a.json");
        Run distributed = run(args("train", "--workers", "2", "--worker-wait", "120s", "--step-timeout", "30s",
                "--save", distributedWeights.toString(), "--metrics-out", distributedMetrics.toString()));
        assertEquals(0, distributed.exitCode(), distributed.out() + distributed.err());
        Path localWeights = dir.resolve("b.safetensors");
        Path localMetrics = dir.resolve("b.json");
        Run local = run(args("train", "--save", localWeights.toString(), "--metrics-out", localMetrics.toString()));
        assertEquals(0, local.exitCode(), local.err());

        assertArrayEquals(Files.readAllBytes(localWeights), Files.readAllBytes(distributedWeights),
                "train --workers 2 saves the bytes of train: both cut a batch into 2 shards by default");
        assertTrue(distributed.outLines().get(0).matches("2 workers joined in \\d+\\.\\d s"), "the wait for the workers first, "
                + "not counted in step 0: " + distributed.outLines().get(0));
        assertTrue(distributed.outLines().get(1).contains(", batch 32, 2 shards on 2 worker processes, 20 steps (2.00 epochs) on 300"
                + " samples"), distributed.outLines().get(1));
        assertTrue(local.outLines().get(0).matches(".*, batch 32, 2 shards in this process(, 2 at a time)?, 20 steps \\(2\\.00 epochs\\)"
                + " on 300 samples.*"),
                local.outLines().get(0));
        List<String> epochs = epochLines(local);
        assertEquals(2, epochs.size(), local.out());
        assertEquals(epochs, epochLines(distributed), "the epoch lines (losses and accuracy to the printed digit)");
        assertEquals(finalFigures(local), finalFigures(distributed), "the done line's test loss and accuracy");

        LinkedHashMap<String, Double> expected = metrics(localMetrics);
        LinkedHashMap<String, Double> actual = metrics(distributedMetrics);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "metrics keys");
        for (String key : List.of("steps", "epochs", "train_loss", "test_accuracy")) {
            assertEquals(expected.get(key), actual.get(key), "metrics " + key);
        }
        // each worker process's output is copied to stderr, prefixed with its name
        for (String worker : List.of("worker-1", "worker-2")) {
            assertTrue(distributed.err().contains("[" + worker + "] " + worker + ": finished after 20 steps, 20 shards, "),
                    distributed.err());
        }
    }

    @Test
    void trainOnTwoWorkerProcessesWithThreeShardsSavesTheBytesOfTheLocalRunWithThreeShards() throws IOException {
        Path distributedWeights = dir.resolve("workers.safetensors");
        Run distributed = run(args("train", "--workers", "2", "--shards", "3", "--worker-wait", "120s", "--step-timeout", "30s",
                "--save", distributedWeights.toString()));
        assertEquals(0, distributed.exitCode(), distributed.out() + distributed.err());
        Path localWeights = dir.resolve("local.safetensors");
        Run local = run(args("train", "--shards", "3", "--save", localWeights.toString()));
        assertEquals(0, local.exitCode(), local.err());
        assertArrayEquals(Files.readAllBytes(localWeights), Files.readAllBytes(distributedWeights),
                "train --workers 2 --shards 3 saves the bytes of train --shards 3");
        assertTrue(distributed.outLines().get(1).contains(", 3 shards on 2 worker processes, "), distributed.outLines().get(1));
        assertEquals(epochLines(local), epochLines(distributed));
        // shards 0 and 2 go to the worker that joined first, shard 1 to the other (every shard of these batches has samples)
        List<Integer> shards = new ArrayList<>();
        Matcher finished = Pattern.compile("\\[(worker-[12])\\] \\1: finished after 20 steps, (\\d+) shards, .*").matcher("");
        distributed.err().lines().filter(l -> finished.reset(l).matches()).forEach(l -> shards.add(Integer.parseInt(finished.group(2))));
        shards.sort(null);
        assertEquals(List.of(20, 40), shards, distributed.err());
    }

    @Test
    void coordinatorProcessAndTwoWorkerProcessesSaveTheBytesOfTrainWithTwoShards() throws Exception {
        Path coordinatorWeights = dir.resolve("coordinator.safetensors");
        try (ChainruleProcess coordinator = ChainruleProcess.start(args("coordinator", "--bind", "127.0.0.1", "--port", "0",
                "--workers", "2", "--worker-wait", "120s", "--step-timeout", "30s", "--save", coordinatorWeights.toString()))) {
            Matcher listening = coordinator.awaitOut(LISTENING, EXIT_WAIT);
            int port = Integer.parseInt(listening.group(1));
            assertTrue(port > 0, listening.group());
            String address = "127.0.0.1:" + port;
            try (ChainruleProcess first = worker(address, "first"); ChainruleProcess second = worker(address, "second")) {
                assertEquals(0, coordinator.awaitExit(EXIT_WAIT), coordinator.transcript());
                assertEquals(0, first.awaitExit(EXIT_WAIT), first.transcript());
                assertEquals(0, second.awaitExit(EXIT_WAIT), second.transcript());
                assertTrue(first.out().startsWith("first: finished after 20 steps, 20 shards, "), first.transcript());
                assertTrue(second.out().startsWith("second: finished after 20 steps, 20 shards, "), second.transcript());
                assertEquals("", first.err() + second.err());
            }
            assertTrue(coordinator.out().contains(", batch 32, 2 shards on 2 workers, 20 steps (2.00 epochs) on 300 samples"),
                    coordinator.transcript());
            assertTrue(coordinator.out().contains("saved weights to " + coordinatorWeights), coordinator.transcript());
            assertEquals("", coordinator.err());

            Path localWeights = dir.resolve("local.safetensors");
            Run local = run(args("train", "--shards", "2", "--save", localWeights.toString()));
            assertEquals(0, local.exitCode(), local.err());
            assertArrayEquals(Files.readAllBytes(localWeights), Files.readAllBytes(coordinatorWeights),
                    "coordinator --workers 2 saves the bytes of train --shards 2");
            assertEquals(epochLines(local), coordinator.out().lines().filter(l -> EPOCH_LINE.matcher(l).matches()).toList());
        }
    }

    @Test
    void workersStartedBeforeTheCoordinatorWaitForItAndTrainWithIt() throws Exception {
        int port = unusedPort();
        String address = "127.0.0.1:" + port;
        try (ChainruleProcess first = worker(address, "early-1"); ChainruleProcess second = worker(address, "early-2")) {
            Thread.sleep(1000); // let them start trying before anything listens; --connect-timeout 120s covers the wait
            Path coordinatorWeights = dir.resolve("coordinator.safetensors");
            Run coordinator = run(args("coordinator", "--bind", "127.0.0.1", "--port", String.valueOf(port), "--workers", "2",
                    "--worker-wait", "120s", "--step-timeout", "30s", "--shards", "3", "--save", coordinatorWeights.toString()));
            assertEquals(0, coordinator.exitCode(), coordinator.out() + coordinator.err());
            assertEquals("coordinator listening on " + address + "; waiting up to 120s for 2 workers", coordinator.outLines().get(0));
            assertEquals(0, first.awaitExit(EXIT_WAIT), first.transcript());
            assertEquals(0, second.awaitExit(EXIT_WAIT), second.transcript());
            assertTrue(first.out().startsWith("early-1: finished after 20 steps, "), first.transcript());
            assertTrue(second.out().startsWith("early-2: finished after 20 steps, "), second.transcript());

            Path localWeights = dir.resolve("local.safetensors");
            Run local = run(args("train", "--shards", "3", "--save", localWeights.toString()));
            assertEquals(0, local.exitCode(), local.err());
            assertArrayEquals(Files.readAllBytes(localWeights), Files.readAllBytes(coordinatorWeights),
                    "coordinator --workers 2 --shards 3 saves the bytes of train --shards 3");
        }
    }

    @Test
    void workerWithoutACoordinatorExits1AfterItsConnectTimeoutNamingTheCoordinator() throws Exception {
        int port = unusedPort();
        String address = "127.0.0.1:" + port;
        long start = System.nanoTime();
        try (ChainruleProcess worker = ChainruleProcess.start("worker", "--coordinator", address, "--connect-timeout", "1s",
                "--name", "lonely", "--train", train.toString(), "--test", test.toString())) {
            assertEquals(1, worker.awaitExit(EXIT_WAIT), worker.transcript());
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(seconds < 30, "exited after " + seconds + " s with --connect-timeout 1s");
            assertEquals("", worker.out());
            String err = worker.err();
            assertTrue(err.startsWith("error: ") && err.lines().count() == 1, err);
            assertTrue(err.contains("coordinator") && err.contains("1 s"), "names the coordinator and the timeout: " + err);
            // nothing listens there: the message must say where the worker tried to connect
            assertTrue(err.contains(address), "names the coordinator's address " + address + ": " + err);
        }
    }

    @Test
    void coordinatorWhoseWorkersNeverComeExits1SayingHowManyJoined() {
        long start = System.nanoTime();
        Run run = run(args("coordinator", "--bind", "127.0.0.1", "--port", "0", "--workers", "2", "--worker-wait", "1s"));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(seconds < 30, "exited after " + seconds + " s with --worker-wait 1s");
        Matcher listening = Pattern.compile("coordinator listening on 127\\.0\\.0\\.1:(\\d+); waiting up to 1s for 2 workers")
                .matcher(run.outLines().get(0));
        assertTrue(listening.matches(), run.out());
        assertTrue(Integer.parseInt(listening.group(1)) > 0, "--port 0 listens on a free port and prints it: " + run.out());
        assertEquals("error: the run failed: waited 1 s for 2 workers to join; 0 joined\n", run.err());
    }

    @Test
    void coordinatorAnnouncesAWorkerWaitBelowASecondAsGiven() {
        Run run = run(args("coordinator", "--bind", "127.0.0.1", "--port", "0", "--workers", "1", "--worker-wait", "500ms"));
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().startsWith("error: the run failed: waited 500 ms for 1 worker") && run.err().contains("; 0 joined"),
                run.err());
        String listening = run.outLines().get(0);
        assertTrue(List.of("500ms", "500 ms", "0.5s", "0.5 s").stream().anyMatch(listening::contains),
                "the announced wait is the --worker-wait given, 500ms: " + listening);
    }

    @Test
    void nonPositiveWorkerCountsExit2() {
        TrainCommandTest.assertInputError(args("coordinator", "--workers", "0"), "--workers 0", "expected: >= 1");
        TrainCommandTest.assertInputError(args("coordinator", "--workers", "-1"), "--workers -1", "expected: >= 1");
        TrainCommandTest.assertInputError(args("train", "--workers", "-1"), "--workers -1", "expected: >= 0");
    }

    @Test
    void coordinatorAndWorkerExplainThemselves() {
        Run coordinator = run("coordinator", "--help");
        assertEquals(0, coordinator.exitCode(), coordinator.err());
        for (String expected : List.of("Usage: chainrule coordinator", "--workers", "--port", "--bind", "--worker-wait",
                "--step-timeout", "--shards", "--save", "chainrule worker --coordinator", "Exit codes:", "Examples:")) {
            assertTrue(coordinator.out().contains(expected), () -> "coordinator --help lacks '" + expected + "':\n" + coordinator.out());
        }
        Run worker = run("worker", "--help");
        assertEquals(0, worker.exitCode(), worker.err());
        for (String expected : List.of("Usage: chainrule worker", "--coordinator", "HOST:PORT", "--connect-timeout", "--name",
                "--train", "--test", "--data", "Exit codes:", "Examples:")) {
            assertTrue(worker.out().contains(expected), () -> "worker --help lacks '" + expected + "':\n" + worker.out());
        }
        Run train = run("train", "--help");
        for (String expected : List.of("--workers", "--worker-wait", "--step-timeout")) {
            assertTrue(train.out().contains(expected), () -> "train --help lacks '" + expected + "':\n" + train.out());
        }
        Run main = run("--help");
        assertTrue(main.out().contains("coordinator") && main.out().contains("worker"), main.out());
    }

    private ChainruleProcess worker(String coordinator, String name) throws IOException {
        List<String> args = new ArrayList<>(List.of("worker", "--coordinator", coordinator, "--name", name, "--connect-timeout", "120s"));
        args.addAll(data());
        return ChainruleProcess.start(args.toArray(new String[0]));
    }

    private static List<String> epochLines(Run run) {
        return run.outLines().stream().filter(l -> EPOCH_LINE.matcher(l).matches()).toList();
    }

    /** The steps, test loss and test accuracy of the done line. */
    private static List<String> finalFigures(Run run) {
        for (String line : run.outLines()) {
            Matcher m = DONE_LINE.matcher(line);
            if (m.matches()) {
                return List.of(m.group(1), m.group(2), m.group(3));
            }
        }
        throw new AssertionError("no done line in\n" + run.out());
    }

    /** A loopback port nothing listens on (it was free a moment ago). */
    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
