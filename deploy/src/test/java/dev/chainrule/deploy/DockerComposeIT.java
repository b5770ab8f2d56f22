package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/docker-compose.yml, alone and with its override docker-compose.partitions.yml, brought up for
 * real with Debian's docker-compose (1.29) and without the metrics profile: the image built by compose on
 * the FROM-scratch runtime ({@code CHAINRULE_BASE_IMAGE}), the first 10,000 training and 2,000 test
 * images of the real Fashion-MNIST as {@code FASHION_MNIST_DIR}, 2 epochs, a token of the test's own,
 * ports that are free. The coordinator must exit 0 after training with the workers, which exit 0 too.
 * With the override, both workers host a partition of the parameters, and worker-2 is killed after the
 * first epoch: the run goes back to its newest checkpoint and worker-1 finishes it, hosting the one
 * partition of the next placement. The project is always taken down with its volumes ({@code down -v}),
 * also when the test fails.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class DockerComposeIT {
    private static final String PROJECT = "chainrule-compose-it";
    private static final Path COMPOSE_FILE = Repository.deploy().resolve("docker-compose.yml");
    private static final Path PARTITIONS_FILE = Repository.deploy().resolve("docker-compose.partitions.yml");
    private static final Duration UP = Duration.ofMinutes(5);
    private static final Duration RUN = Duration.ofMinutes(5);
    private static final Pattern DONE = Pattern.compile("(?m)^coordinator_1 +\\| done: (\\d+) steps in .*test accuracy (\\d+\\.\\d+)%\\s*$");

    @TempDir
    Path dir;

    @BeforeAll
    static void buildRuntimeImage() throws Exception {
        Docker.buildImage();
        Docker.Result version;
        try {
            version = Docker.run(Duration.ofSeconds(30), Map.of(), List.of("docker-compose", "version", "--short"));
        } catch (IOException e) {
            throw new AssertionError("docker-compose is not installed (" + e.getMessage() + "; expected: Debian's docker-compose,"
                    + " which tools/test-all installs; this test does not skip)", e);
        }
        assertEquals(0, version.exitCode(), "'docker-compose version' failed; this test does not skip:\n" + version.output());
    }

    @Test
    void theComposeClusterTrainsOnFashionMnistAndTheCoordinatorExitsZero() throws Exception {
        String logs = trainAndTakeDown(List.of(COMPOSE_FILE), compose -> { }, List.of("worker-1", "worker-2"));
        assertFalse(logs.contains("hosting a partition"), "no partitions without the override:\n" + logs);
    }

    @Test
    void withThePartitionsOverrideAWorkerKilledMidRunSendsTheRunBackToItsCheckpointAndTheOtherFinishesIt() throws Exception {
        String logs = trainAndTakeDown(List.of(COMPOSE_FILE, PARTITIONS_FILE), compose -> {
            compose.awaitLog("coordinator", Pattern.compile("(?m)\\| epoch 1  step 79 "), RUN);
            Docker.run(Duration.ofSeconds(30), Map.of(), List.of("docker", "kill", compose.containerOf("worker-2"))).requireSuccess();
        }, List.of("worker-1"));
        assertTrue(logs.contains("2 shards on 2 workers, 2 of them hosting a partition each"),
                "the coordinator's training line (expected: both workers hosting a partition):\n" + logs);
        // both workers host: the leader names whichever host's session it sees end first, worker-2's, or
        // worker-1's, whose exchange with worker-2's partition broke; either sends the run back
        assertTrue(Pattern.compile("worker \\d \\(worker-[12]\\) .*, and it hosted partition \\d; the run goes back to its newest"
                + " checkpoint").matcher(logs).find(), "the coordinator's line about the lost host:\n" + logs);
        assertTrue(Pattern.compile("went back to step (\\d+) \\(/var/lib/chainrule/checkpoints/checkpoint-0+\\1\\.ckpt\\)").matcher(logs)
                .find(), "the trainer goes back to a checkpoint in the volume:\n" + logs);
        assertTrue(Pattern.compile("placement 1 of the partitions: partition 0 on worker \\d \\(worker-1\\) at worker-1:7071\\s")
                .matcher(logs).find(), "worker-1 hosts the one partition of the next placement:\n" + logs);
    }

    /** What a test does while the cluster trains. */
    @FunctionalInterface
    private interface DuringRun {
        void accept(Compose compose) throws Exception;
    }

    /**
     * {@code docker-compose up} of {@code files} on the Fashion-MNIST subset for 2 epochs, with
     * {@code during} done meanwhile: the coordinator exits 0 with its 'done:' line (steps, accuracy)
     * and saved weights, each of {@code finishing} exits 0; the project is taken down with its volumes
     * in any case. Returns every service's logs.
     */
    private String trainAndTakeDown(List<Path> files, DuringRun during, List<String> finishing) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "compose-test-token-" + Long.toHexString(System.nanoTime()) + "\n");
        Map<String, String> environment = Map.of(
                "CHAINRULE_IMAGE", Docker.IMAGE,
                "CHAINRULE_BASE_IMAGE", Docker.RUNTIME_IMAGE,
                "FASHION_MNIST_DIR", FashionMnistSubset.write(dir.resolve("fashion-mnist"), 10_000, 2_000).toString(),
                "CHAINRULE_EPOCHS", "2",
                "CHAINRULE_CHECKPOINT_EVERY", "50",
                "CHAINRULE_TOKEN_FILE", token.toString(),
                "CHAINRULE_PORT", Integer.toString(LocalCluster.freePort()),
                "CHAINRULE_METRICS_PORT", Integer.toString(LocalCluster.freePort()));
        Compose compose = new Compose(files, environment);
        compose.run(Duration.ofMinutes(2), "down", "--volumes", "--remove-orphans"); // a previous run's leftovers
        try {
            compose.run(UP, "up", "--build", "--detach", "--no-color").requireSuccess();
            during.accept(compose);
            int exitCode = waitFor(compose.containerOf("coordinator"), RUN);
            String logs = compose.run(Duration.ofMinutes(1), "logs", "--no-color").requireSuccess().output();
            assertEquals(0, exitCode, "the coordinator's exit code:\n" + logs);
            Matcher done = DONE.matcher(logs);
            assertTrue(done.find(), "no 'done:' line from the coordinator:\n" + logs);
            System.out.println(done.group());
            assertEquals(2 * ((10_000 + 127) / 128), Long.parseLong(done.group(1)), "2 epochs of batches of 128 (the last one"
                    + " partial):\n" + logs);
            assertTrue(Double.parseDouble(done.group(2)) >= 70, "test accuracy (expected: >= 70% after 2 epochs):\n" + logs);
            assertTrue(logs.contains("saved weights to /var/lib/chainrule/weights.safetensors"), "the weights in the volume:\n" + logs);
            for (String worker : finishing) {
                assertEquals(0, waitFor(compose.containerOf(worker), Duration.ofMinutes(1)), worker + "'s exit code:\n" + logs);
            }
            return logs;
        } finally {
            compose.run(Duration.ofMinutes(2), "down", "--volumes", "--remove-orphans").requireSuccess();
        }
    }

    /** The project PROJECT of the compose {@code files} (base first, then overrides), run with {@code environment}. */
    private record Compose(List<Path> files, Map<String, String> environment) {
        /** {@code docker-compose -p PROJECT -f file... args...}, bounded by {@code timeout}. */
        Docker.Result run(Duration timeout, String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of("docker-compose", "--project-name", PROJECT));
            for (Path file : files) {
                command.addAll(List.of("--file", file.toString()));
            }
            command.addAll(List.of(args));
            return Docker.run(timeout, environment, command);
        }

        /** Waits, polling the logs every second for at most {@code timeout}, until {@code service}'s logs match {@code pattern}. */
        void awaitLog(String service, Pattern pattern, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            String logs = "";
            while (System.nanoTime() - deadline < 0) {
                logs = run(Duration.ofSeconds(30), "logs", "--no-color", service).requireSuccess().output();
                if (pattern.matcher(logs).find()) {
                    return;
                }
                Thread.sleep(1000);
            }
            throw new AssertionError(service + "'s logs did not match " + pattern + " within " + timeout + ":\n" + logs);
        }

        /** The id of {@code service}'s container. */
        String containerOf(String service) throws Exception {
            String id = run(Duration.ofSeconds(30), "ps", "--quiet", service).requireSuccess().output().strip();
            assertTrue(id.matches("[0-9a-f]{12,64}"), "the container of " + service + ": '" + id + "'");
            return id;
        }
    }

    /** {@code docker wait}: the container's exit code, waiting at most {@code timeout}. */
    private static int waitFor(String container, Duration timeout) throws Exception {
        return Integer.parseInt(Docker.run(timeout, Map.of(), List.of("docker", "wait", container)).requireSuccess().output().strip());
    }
}
