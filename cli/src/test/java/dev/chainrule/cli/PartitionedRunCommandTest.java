package dev.chainrule.cli;

import static dev.chainrule.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.cli.TrainCommandTest.Run;
import dev.chainrule.coordinator.security.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitioned runs with real processes on loopback: {@code train --workers N --partitions K} and a
 * {@code coordinator --partitions K} with {@code worker --partition-listen} processes save the bytes of
 * one process; a worker that hosts no partition may be killed (kill -9) mid-run, and the run still
 * saves those bytes; a host killed ends the run with a message naming its partition, or, with
 * checkpoints, sends it back to its newest checkpoint to go on with the workers left; a leader killed
 * and started again resumes from its checkpoint with the same workers. Every way saves the bytes of
 * one process. Every wait is bounded; every process is killed at the end if it still runs.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PartitionedRunCommandTest {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(120);
    private static final Pattern LISTENING = Pattern.compile("coordinator listening on 127\\.0\\.0\\.1:(\\d+)[ ;].*");

    @TempDir
    Path dir;
    Path train;
    Path test;

    @BeforeEach
    void writeData() throws IOException {
        train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 300, 4, 3, 1);
        test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 100, 4, 3, 2);
    }

    @Test
    void trainWithPartitionsInItsWorkersSavesTheBytesOfOneProcessForEveryK() throws IOException {
        Path local = dir.resolve("local.safetensors");
        Run uninterrupted = run(args("train", 20, "--shards", "3", "--save", local.toString()));
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.err());
        Path token = Files.writeString(dir.resolve("token"), "partition-test-token\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        for (int k : new int[] {1, 3}) {
            Path partitioned = dir.resolve("k" + k + ".safetensors");
            // K = 3 with a token: every partition checks it, and the leader and the workers send it
            List<String> tokenArgs = k == 3 ? List.of("--token-file", token.toString()) : List.of();
            List<String> more = new ArrayList<>(List.of("--workers", "3", "--shards", "3", "--partitions", String.valueOf(k),
                    "--worker-wait", "120s", "--save", partitioned.toString()));
            more.addAll(tokenArgs);
            Run run = run(args("train", 20, more.toArray(new String[0])));
            assertEquals(0, run.exitCode(), run.out() + run.err());
            assertTrue(run.out().contains(", 3 shards on 3 worker processes, " + k + " of them hosting a partition each, "), run.out());
            assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(partitioned), "K = " + k + " saves the bytes of one process");
            assertEquals(lines(uninterrupted, "epoch "), lines(run, "epoch "), "the same losses and accuracies");
        }
    }

    @Test
    void withBf16GradientsPartitionsSaveTheBytesOfOneCoordinatorWithBf16() throws IOException {
        // bf16 rounds element by element and keeps each element's rounding error for the next step, so
        // cutting a gradient into pieces (and the worker's own piece staying in memory) changes nothing
        Path coordinator = dir.resolve("one-coordinator.safetensors");
        Run one = run(args("train", 20, "--workers", "2", "--compression", "bf16", "--worker-wait", "120s", "--save",
                coordinator.toString()));
        assertEquals(0, one.exitCode(), one.out() + one.err());
        Path partitioned = dir.resolve("partitioned.safetensors");
        Run run = run(args("train", 20, "--workers", "2", "--partitions", "2", "--compression", "bf16", "--worker-wait", "120s",
                "--save", partitioned.toString()));
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertArrayEquals(Files.readAllBytes(coordinator), Files.readAllBytes(partitioned), "bf16: the same bytes with partitions");
    }

    @Test
    void aWorkerThatHostsNoPartitionIsKilledMidRunAndTheRunSavesTheBytesOfOneProcess() throws Exception {
        Path distributed = dir.resolve("partitioned.safetensors");
        try (ChainruleProcess coordinator = ChainruleProcess.start(args("coordinator", 300, "--bind", "127.0.0.1", "--port", "0",
                "--workers", "3", "--partitions", "2", "--shards", "3", "--worker-wait", "120s", "--step-timeout", "30s",
                "--heartbeat-timeout", "5s", "--save", distributed.toString()))) {
            String address = "127.0.0.1:" + coordinator.awaitOut(LISTENING, EXIT_WAIT).group(1);
            try (ChainruleProcess first = worker(address, "first", true); ChainruleProcess second = worker(address, "second", true);
                    ChainruleProcess third = worker(address, "third", false)) {
                coordinator.awaitOut(Pattern.compile("epoch 3  step .*"), EXIT_WAIT);
                assertEquals(137, third.kill(), "128 + SIGKILL");
                coordinator.awaitErr(Pattern.compile("coordinator: worker \\d \\(third\\) disconnected .*(during|after) step \\d+.*"),
                        Duration.ofSeconds(30));
                assertEquals(0, coordinator.awaitExit(EXIT_WAIT), coordinator.transcript());
                assertEquals(0, first.awaitExit(EXIT_WAIT), first.transcript());
                assertEquals(0, second.awaitExit(EXIT_WAIT), second.transcript());
                assertTrue(first.out().startsWith("first: finished after 300 steps, "), first.transcript());
            }
            assertTrue(coordinator.out().contains(", 3 shards on 3 workers, 2 of them hosting a partition each, 300 steps"),
                    coordinator.transcript());
        }
        assertBytesOfOneProcess(3, distributed, "the partitioned run that lost a worker saves the bytes of train --shards 3");
    }

    @Test
    void aWorkerThatHostsAPartitionKilledEndsTheRunNamingThePartition() throws Exception {
        try (ChainruleProcess coordinator = ChainruleProcess.start(args("coordinator", 300, "--bind", "127.0.0.1", "--port", "0",
                "--workers", "2", "--partitions", "2", "--worker-wait", "120s", "--step-timeout", "30s", "--heartbeat-timeout", "5s"))) {
            String address = "127.0.0.1:" + coordinator.awaitOut(LISTENING, EXIT_WAIT).group(1);
            try (ChainruleProcess first = worker(address, "first", true); ChainruleProcess second = worker(address, "second", true)) {
                coordinator.awaitOut(Pattern.compile("epoch 2  step .*"), EXIT_WAIT);
                assertEquals(137, second.kill(), "128 + SIGKILL");
                assertEquals(1, coordinator.awaitExit(EXIT_WAIT), coordinator.transcript());
                // both workers host: the leader names whichever host's session it sees end first, the killed
                // one's, or the other's, whose exchange with the killed one's partition broke
                assertTrue(Pattern.compile("worker \\d \\((first|second)\\) disconnected .*, and it hosted partition [01]; a partitioned"
                        + " run cannot go on without one of its partitions").matcher(coordinator.err()).find(), coordinator.transcript());
            }
        }
    }

    @Test
    void theLeaderKilledMidRunIsStartedAgainAndResumesFromItsCheckpointWithTheWorkersToTheBytesOfOneProcess() throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        Path resumed = dir.resolve("resumed.safetensors");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // free now; the coordinator takes it again after the kill, and the workers dial it
        }
        String[] command = args("coordinator", 300, "--bind", "127.0.0.1", "--port", String.valueOf(port), "--workers", "2",
                "--shards", "2", "--partitions", "2", "--worker-wait", "120s", "--step-timeout", "30s", "--heartbeat-timeout", "5s",
                "--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "20", "--save", resumed.toString());
        String address = "127.0.0.1:" + port;
        try (ChainruleProcess first = worker(address, "first", true); ChainruleProcess second = worker(address, "second", true)) {
            try (ChainruleProcess leader = ChainruleProcess.start(command)) {
                awaitFile(checkpoints.resolve("checkpoint-000000040.ckpt"), EXIT_WAIT);
                assertEquals(137, leader.kill(), "128 + SIGKILL");
            }
            try (ChainruleProcess leader = ChainruleProcess.start(command)) {
                assertEquals(0, leader.awaitExit(EXIT_WAIT), leader.transcript());
                Matcher resuming = Pattern.compile("resuming from \\S+checkpoint-(\\d+)\\.ckpt at step (\\d+)").matcher(leader.out());
                assertTrue(resuming.find(), leader.transcript());
                assertTrue(Long.parseLong(resuming.group(2)) >= 40, leader.transcript());
            }
            assertEquals(0, first.awaitExit(EXIT_WAIT), first.transcript());
            assertEquals(0, second.awaitExit(EXIT_WAIT), second.transcript());
            assertTrue(first.out().startsWith("first: finished after ") && first.out().contains(" sessions"), first.transcript());
        }
        assertBytesOfOneProcess(2, resumed, "the partitioned run resumed by a new leader saves the bytes of train --shards 2");
    }

    @Test
    void aHostKilledRightAfterACheckpointSendsTheRunBackToItAndTheWorkerLeftFinishesItWithTheBytesOfOneProcess() throws Exception {
        // two workers, both hosts: the one left hosts the one partition of the next placement
        killAHostAndCompare(2, Pattern.compile("epoch 4  step 40 .*"));
    }

    @Test
    void aHostKilledMidEpochSendsTheRunBackToItsCheckpointAndTheWorkersLeftFinishItWithTheBytesOfOneProcess() throws Exception {
        // three workers, two hosts: the worker that hosted none takes over a partition
        killAHostAndCompare(3, Pattern.compile("epoch 5  step 50 .*"));
    }

    /**
     * Runs a coordinator with {@code workers} workers, two partitions and a checkpoint every 20 steps,
     * kills the host of partition 1 with kill -9 once the checkpoint of step 40 is written and the
     * coordinator printed a line {@code when} matches, and checks that the run goes back to a
     * checkpoint, finishes with the workers left, and saves the bytes of {@code train --shards 2}.
     */
    private void killAHostAndCompare(int workers, Pattern when) throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        Path saved = dir.resolve("went-back.safetensors");
        try (ChainruleProcess coordinator = ChainruleProcess.start(args("coordinator", 300, "--bind", "127.0.0.1", "--port", "0",
                "--workers", String.valueOf(workers), "--shards", "2", "--partitions", "2", "--worker-wait", "120s", "--step-timeout",
                "30s", "--heartbeat-timeout", "5s", "--checkpoint-dir", checkpoints.toString(), "--checkpoint-every", "20", "--save",
                saved.toString()))) {
            String address = "127.0.0.1:" + coordinator.awaitOut(LISTENING, EXIT_WAIT).group(1);
            List<ChainruleProcess> started = new ArrayList<>();
            try {
                for (int w = 0; w < workers; w++) {
                    started.add(worker(address, "w" + w, true));
                }
                int host = Integer.parseInt(coordinator.awaitErr(Pattern.compile("coordinator: placement 0 of the partitions: partition 0"
                        + " on worker \\d \\(w\\d\\) at \\S+, partition 1 on worker \\d \\(w(\\d)\\) at \\S+"), EXIT_WAIT).group(1));
                awaitFile(checkpoints.resolve("checkpoint-000000040.ckpt"), EXIT_WAIT);
                coordinator.awaitOut(when, EXIT_WAIT);
                assertEquals(137, started.get(host).kill(), "128 + SIGKILL");
                assertEquals(0, coordinator.awaitExit(EXIT_WAIT), coordinator.transcript());
                // the leader names whichever host's session it sees end first: the killed one's, or another
                // host's, whose exchange with the killed one's partition broke; either sends the run back
                assertTrue(Pattern.compile("worker \\d \\(w\\d\\) disconnected .*, and it hosted partition [01]; the run goes back to"
                        + " its newest checkpoint").matcher(coordinator.err()).find(), coordinator.transcript());
                String partition = "partition \\d on worker \\d \\(w\\d\\) at \\S+";
                String secondPlacement = "^coordinator: placement 1 of the partitions: " + partition + (workers > 2 ? ", " + partition : "")
                        + "$";
                Matcher placed = Pattern.compile(secondPlacement, Pattern.MULTILINE).matcher(coordinator.err());
                assertTrue(placed.find(), "placed again on as many workers as are left, up to 2: " + coordinator.transcript());
                assertFalse(placed.group().contains("(w" + host + ")"), "not on the killed worker: " + coordinator.transcript());
                for (int w = 0; w < workers; w++) {
                    if (w != host) {
                        assertEquals(0, started.get(w).awaitExit(EXIT_WAIT), started.get(w).transcript());
                        assertTrue(started.get(w).out().startsWith("w" + w + ": finished after "), started.get(w).transcript());
                    }
                }
            } finally {
                started.forEach(ChainruleProcess::close);
            }
            Matcher wentBack = Pattern.compile("went back to step (\\d+) \\(\\S+checkpoint-(\\d+)\\.ckpt\\)").matcher(coordinator.out());
            assertTrue(wentBack.find(), coordinator.transcript());
            assertTrue(Long.parseLong(wentBack.group(1)) >= 40, coordinator.transcript());
        }
        assertBytesOfOneProcess(2, saved, "the run that went back to its checkpoint saves the bytes of train --shards 2");
    }

    @Test
    void aTlsRunServesItsPartitionsOverTlsAndSavesTheBytesOfOneProcess() throws Exception {
        TestCertificates certs = TestCertificates.generate(Files.createDirectories(dir.resolve("certs")));
        Path token = Files.writeString(dir.resolve("token"), "partition-tls-token\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        Path distributed = dir.resolve("tls.safetensors");
        try (ChainruleProcess coordinator = ChainruleProcess.start(args("coordinator", 300, "--bind", "127.0.0.1", "--port", "0",
                "--workers", "2", "--partitions", "2", "--worker-wait", "120s", "--tls-cert", certs.serverCert().toString(),
                "--tls-key", certs.serverKey().toString(), "--partition-tls-ca", certs.ca().toString(), "--token-file",
                token.toString(), "--save", distributed.toString()))) {
            String address = "localhost:" + coordinator.awaitOut(LISTENING, EXIT_WAIT).group(1);
            List<String> tls = List.of("--tls-ca", certs.ca().toString(), "--token-file", token.toString(), "--partition-tls-cert",
                    certs.serverCert().toString(), "--partition-tls-key", certs.serverKey().toString());
            try (ChainruleProcess first = worker(address, "first", true, tls); ChainruleProcess second = worker(address, "second", true,
                    tls)) {
                assertEquals(0, coordinator.awaitExit(EXIT_WAIT), coordinator.transcript());
                assertEquals(0, first.awaitExit(EXIT_WAIT), first.transcript());
                assertEquals(0, second.awaitExit(EXIT_WAIT), second.transcript());
            }
            assertTrue(coordinator.out().contains(", 2 shards on 2 workers, 2 of them hosting a partition each, 300 steps"),
                    coordinator.transcript());
        }
        assertBytesOfOneProcess(2, distributed, "the partitioned TLS run saves the bytes of train --shards 2");
    }

    @Test
    void aPartitionServingACertificateTheOthersDoNotTrustEndsTheRunNamingTheHandshake() throws Exception {
        TestCertificates certs = TestCertificates.generate(Files.createDirectories(dir.resolve("certs")));
        try (ChainruleProcess coordinator = ChainruleProcess.start(args("coordinator", 300, "--bind", "127.0.0.1", "--port", "0",
                "--workers", "2", "--partitions", "2", "--worker-wait", "120s", "--step-timeout", "30s", "--tls-cert",
                certs.serverCert().toString(), "--tls-key", certs.serverKey().toString(), "--partition-tls-ca", certs.ca().toString()))) {
            String address = "localhost:" + coordinator.awaitOut(LISTENING, EXIT_WAIT).group(1);
            List<String> trusted = List.of("--tls-ca", certs.ca().toString(), "--partition-tls-cert", certs.serverCert().toString(),
                    "--partition-tls-key", certs.serverKey().toString(), "--reconnect-timeout", "2s");
            List<String> stranger = List.of("--tls-ca", certs.ca().toString(), "--partition-tls-cert",
                    certs.otherServerCert().toString(), "--partition-tls-key", certs.otherServerKey().toString(), "--reconnect-timeout",
                    "2s");
            try (ChainruleProcess first = worker(address, "first", true, trusted); ChainruleProcess second = worker(address, "second",
                    true, stranger)) {
                // the trusted worker refuses the stranger's partition at once, which ends its session: the run loses a host
                assertEquals(1, coordinator.awaitExit(EXIT_WAIT), coordinator.transcript());
                assertTrue(coordinator.err().contains("a partitioned run cannot go on without one of its partitions"),
                        coordinator.transcript());
                assertTrue(Pattern.compile("first: .*partition [01] at 127\\.0\\.0\\.1:\\d+ cannot be reached: UNAVAILABLE.*; the TLS"
                        + " handshake failed").matcher(first.awaitErr(Pattern.compile("first: .*handshake.*"), EXIT_WAIT).group()).find(),
                        first.transcript());
                assertTrue(first.awaitExit(EXIT_WAIT) != 0, first.transcript());
                assertTrue(second.awaitExit(EXIT_WAIT) != 0, second.transcript());
            }
        }
    }

    @Test
    void partitionOptionsThatCannotWorkExit2() {
        TrainCommandTest.assertInputError(args("train", 20, "--partitions", "2"), "--partitions 2", "without --workers");
        TrainCommandTest.assertInputError(args("train", 20, "--workers", "2", "--partitions", "3"), "--partitions 3 with 2 workers",
                "at most one partition per worker");
        TrainCommandTest.assertInputError(args("train", 20, "--workers", "2", "--partitions", "-1"), "--partitions -1", "expected: >= 0");
        TrainCommandTest.assertInputError(args("coordinator", 20, "--workers", "2", "--partitions", "2", "--tls-cert", "c.pem", "--tls-key",
                "k.pem"), "--partitions with --tls-cert needs --partition-tls-ca");
        TrainCommandTest.assertInputError(args("coordinator", 20, "--workers", "2", "--partitions", "2", "--partition-tls-ca", "ca.pem"),
                "--partition-tls-ca needs --tls-cert");
        TrainCommandTest.assertInputError(args("coordinator", 20, "--workers", "2", "--tls-cert", "c.pem", "--tls-key", "k.pem",
                "--partition-tls-ca", "ca.pem"), "--partition-tls-ca needs --partitions");
        String[] worker = {"worker", "--coordinator", "127.0.0.1:1", "--train", train.toString(), "--test", test.toString()};
        TrainCommandTest.assertInputError(with(worker, "--partition-listen", "127.0.0.1:0", "--tls-ca", "ca.pem"),
                "--partition-listen with --tls-ca needs --partition-tls-cert");
        TrainCommandTest.assertInputError(with(worker, "--partition-listen", "127.0.0.1:0", "--partition-tls-cert", "c.pem",
                "--partition-tls-key", "k.pem"), "--partition-tls-cert needs --tls-ca");
        TrainCommandTest.assertInputError(with(worker, "--partition-tls-cert", "c.pem", "--partition-tls-key", "k.pem", "--tls-ca",
                "ca.pem"), "--partition-tls-cert needs --partition-listen");
        TrainCommandTest.assertInputError(with(worker, "--partition-listen", "127.0.0.1:0", "--tls-ca", "ca.pem",
                "--partition-tls-cert", "c.pem"), "--partition-tls-cert needs --partition-tls-key");
        TrainCommandTest.assertInputError(new String[] {"worker", "--coordinator", "127.0.0.1:1", "--train", train.toString(), "--test",
            test.toString(), "--partition-listen", "0.0.0.0:0"}, "--partition-listen 0.0.0.0:0 listens on every address",
                "--partition-advertise");
        Run help = run("worker", "--help");
        assertTrue(help.out().contains("--partition-listen") && help.out().contains("--partition-advertise"), help.out());
        assertTrue(run("train", "--help").out().contains("--partitions"));
    }

    private static String[] with(String[] command, String... more) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    /** {@code command} with the data and the run's options ({@code steps} steps of batches of 32, a 4-64-64-3 MLP), then {@code more}. */
    private String[] args(String command, long steps, String... more) {
        List<String> all = new ArrayList<>(List.of(command, "--train", train.toString(), "--test", test.toString(),
                "--model", "4-64-64-3", "--batch", "32", "--steps", String.valueOf(steps), "--lr", "0.01"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private ChainruleProcess worker(String coordinator, String name, boolean hostsPartition) throws IOException {
        return worker(coordinator, name, hostsPartition, List.of());
    }

    private ChainruleProcess worker(String coordinator, String name, boolean hostsPartition, List<String> more) throws IOException {
        List<String> args = new ArrayList<>(List.of("worker", "--coordinator", coordinator, "--name", name, "--connect-timeout", "120s",
                "--train", train.toString(), "--test", test.toString()));
        if (hostsPartition) {
            args.addAll(List.of("--partition-listen", "127.0.0.1:0"));
        }
        args.addAll(more);
        return ChainruleProcess.start(args.toArray(new String[0]));
    }

    /** Checks that {@code saved} holds the bytes {@code train --shards shards} saves after 300 steps; {@code what} says whose they are. */
    private void assertBytesOfOneProcess(int shards, Path saved, String what) throws IOException {
        Path local = dir.resolve("local.safetensors");
        Run uninterrupted = run(args("train", 300, "--shards", String.valueOf(shards), "--save", local.toString()));
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.err());
        assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(saved), what);
    }

    /** Waits, at most {@code patience}, until {@code file} exists. */
    private static void awaitFile(Path file, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!Files.exists(file)) {
            assertTrue(System.nanoTime() < deadline, file + " did not appear within " + patience);
            Thread.sleep(50);
        }
    }

    private static List<String> lines(Run run, String prefix) {
        return run.outLines().stream().filter(l -> l.startsWith(prefix)).toList();
    }
}
