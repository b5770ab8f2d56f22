package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * deploy/docker-compose.yml brought up for real with Debian's docker-compose (1.29) and without the
 * metrics profile: the image built by compose on the FROM-scratch runtime ({@code CHAINRULE_BASE_IMAGE}),
 * the first 10,000 training and 2,000 test images of the real Fashion-MNIST as {@code FASHION_MNIST_DIR},
 * 2 epochs, a token of the test's own, ports that are free. The coordinator must exit 0 after
 * training with the workers, which exit 0 too. The project is always taken down with its volumes
 * ({@code down -v}), also when the test fails.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class DockerComposeIT {
    private static final String PROJECT = "chainrule-compose-it";
    private static final Path COMPOSE_FILE = Repository.deploy().resolve("docker-compose.yml");
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
        compose(environment, Duration.ofMinutes(2), "down", "--volumes", "--remove-orphans"); // a previous run's leftovers
        try {
            compose(environment, UP, "up", "--build", "--detach", "--no-color").requireSuccess();
            String coordinator = containerOf(environment, "coordinator");
            int exitCode = waitFor(coordinator, RUN);
            String logs = compose(environment, Duration.ofMinutes(1), "logs", "--no-color").requireSuccess().output();
            assertEquals(0, exitCode, "the coordinator's exit code:\n" + logs);
            Matcher done = DONE.matcher(logs);
            assertTrue(done.find(), "no 'done:' line from the coordinator:\n" + logs);
            System.out.println(done.group());
            assertEquals(2 * ((10_000 + 127) / 128), Long.parseLong(done.group(1)), "2 epochs of batches of 128 (the last one"
                    + " partial):\n" + logs);
            assertTrue(Double.parseDouble(done.group(2)) >= 70, "test accuracy (expected: >= 70% after 2 epochs):\n" + logs);
            assertTrue(logs.contains("saved weights to /var/lib/chainrule/weights.safetensors"), "the weights in the volume:\n" + logs);
            for (String worker : List.of("worker-1", "worker-2")) {
                assertEquals(0, waitFor(containerOf(environment, worker), Duration.ofMinutes(1)), worker + "'s exit code:\n" + logs);
            }
        } finally {
            compose(environment, Duration.ofMinutes(2), "down", "--volumes", "--remove-orphans").requireSuccess();
        }
    }

    /** {@code docker-compose -p PROJECT -f deploy/docker-compose.yml args...} with {@code environment}, bounded by {@code timeout}. */
    private static Docker.Result compose(Map<String, String> environment, Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker-compose", "--project-name", PROJECT, "--file", COMPOSE_FILE.toString()));
        command.addAll(List.of(args));
        return Docker.run(timeout, environment, command);
    }

    /** The id of {@code service}'s container. */
    private static String containerOf(Map<String, String> environment, String service) throws Exception {
        String id = compose(environment, Duration.ofSeconds(30), "ps", "--quiet", service).requireSuccess().output().strip();
        assertTrue(id.matches("[0-9a-f]{12,64}"), "the container of " + service + ": '" + id + "'");
        return id;
    }

    /** {@code docker wait}: the container's exit code, waiting at most {@code timeout}. */
    private static int waitFor(String container, Duration timeout) throws Exception {
        return Integer.parseInt(Docker.run(timeout, Map.of(), List.of("docker", "wait", container)).requireSuccess().output().strip());
    }
}
