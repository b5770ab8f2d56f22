package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The image built FROM scratch (no registry: {@code deploy/build-image --scratch}) run with
 * Testcontainers: a coordinator and two workers on a Docker network of their own, the workers
 * dialing the coordinator by its network alias with a bearer token, training on a small CSV data set
 * bind-mounted read-only. The {@code /metrics} endpoints are scraped over HTTP through the
 * published ports while the run goes on. Then the same with one worker container killed (SIGKILL)
 * mid-run: the coordinator drops it and the other worker computes its shards to the end.
 * Containers and networks are removed at the end of each test; the image keeps its fixed tag.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ContainerClusterIT {
    private static final String RUN = "container-it";
    private static final int GRPC = 7070;
    private static final int METRICS = 9464;
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration RUN_WAIT = Duration.ofMinutes(4);
    /** The pods' user and the size of their /tmp volume in deploy/k8s. */
    private static final String POD_USER = "10001:10001";
    private static final String POD_TMP = "256m";
    /** Whether the runnable jar loads native code through JavaCPP (OpenBLAS), which must then load in the containers too. */
    private static final boolean JAVACPP = onClassPath("org.bytedeco.javacpp.Loader");
    private static final Pattern JNI_LOADED = Pattern.compile("(?m)^Debug: Loading /tmp/\\S*/libjni\\w+\\.so$");
    private static final Pattern DONE = Pattern.compile("(?m)^done: (\\d+) steps in .*test accuracy (\\d+\\.\\d+)%$");

    @TempDir
    Path dir;

    @BeforeAll
    static void buildImage() throws Exception {
        Docker.buildImage();
    }

    @BeforeEach
    void writeDataAndToken() throws IOException {
        BlobsCsv.write(dir.resolve("train.csv"), 600, 11);
        BlobsCsv.write(dir.resolve("test.csv"), 150, 12);
        Files.writeString(dir.resolve("token"), "container-test-token-" + Long.toHexString(System.nanoTime()) + "\n");
    }

    @Test
    void aCoordinatorAndTwoWorkerContainersTrainToCompletionAndServeTheirMetrics() throws Exception {
        try (Network network = Network.newNetwork();
                GenericContainer<?> coordinator = coordinator(network, 120);
                GenericContainer<?> first = worker(network, "worker-1");
                GenericContainer<?> second = worker(network, "worker-2")) {
            coordinator.start();
            first.start();
            second.start();

            MetricsText scrape = awaitSteps(coordinator, 10);
            assertEquals(2.0, scrape.value("chainrule_workers_active"), scrape.text());
            assertTrue(scrape.value("chainrule_step_seconds_count") >= 10, scrape.text());
            assertTrue(scrape.sum("chainrule_steps_total", "run", RUN).isPresent(), "the run tag:\n" + scrape.text());
            for (String worker : List.of("0", "1")) {
                assertTrue(scrape.sum("chainrule_gradient_bytes_received_total", "worker", worker).orElse(0) > 0,
                        "gradient bytes from worker " + worker + ":\n" + scrape.text());
                assertTrue(scrape.sum("chainrule_worker_lateness_seconds_count", "worker", worker).orElse(0) > 0, scrape.text());
            }
            assertTrue(scrape.value("jvm_memory_used_bytes") > 0, "JVM metrics:\n" + scrape.text());
            for (GenericContainer<?> worker : List.of(first, second)) {
                MetricsText own = MetricsText.scrape(metricsUrl(worker));
                String name = worker == first ? "worker-1" : "worker-2";
                assertTrue(own.sum("chainrule_worker_samples_total", "worker", name, "run", RUN).orElse(0) > 0, own.text());
                assertTrue(own.value("chainrule_worker_compute_seconds_count") > 0, own.text());
                assertTrue(own.value("chainrule_worker_communication_seconds_count") > 0, own.text());
                if (JAVACPP) {
                    assertTrue(JNI_LOADED.matcher(worker.getLogs()).find(), "JavaCPP's native libraries load from /tmp in a"
                            + " read-only container:\n" + worker.getLogs());
                }
            }

            assertEquals(0, awaitExit(coordinator), coordinator.getLogs());
            Matcher done = done(coordinator);
            System.out.println(done.group());
            assertEquals(120, Long.parseLong(done.group(1)), coordinator.getLogs());
            assertTrue(Double.parseDouble(done.group(2)) >= 90, "test accuracy (expected: >= 90%):\n" + coordinator.getLogs());
            for (GenericContainer<?> worker : List.of(first, second)) {
                assertEquals(0, awaitExit(worker), worker.getLogs());
            }
            String summary = coordinator.copyFileFromContainer("/var/lib/chainrule/run.json",
                    in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertTrue(summary.contains("\"steps\": 120") || summary.contains("\"steps\":120"), "run.json: " + summary);
        }
    }

    @Test
    void aWorkerContainerKilledMidRunIsDroppedAndTheOtherFinishesTheRun() throws Exception {
        try (Network network = Network.newNetwork();
                GenericContainer<?> coordinator = coordinator(network, 200);
                GenericContainer<?> survivor = worker(network, "worker-1");
                GenericContainer<?> victim = worker(network, "worker-2")) {
            coordinator.start();
            survivor.start();
            victim.start();

            assertEquals(2.0, awaitSteps(coordinator, 20).value("chainrule_workers_active"));
            DockerClient docker = DockerClientFactory.instance().client();
            docker.killContainerCmd(victim.getContainerId()).withSignal("KILL").exec();

            Await.until("the coordinator drops the killed worker (chainrule_workers_active 1)", Duration.ofSeconds(60),
                    Duration.ofMillis(200), () -> MetricsText.scrape(metricsUrl(coordinator)).value("chainrule_workers_active") == 1.0
                            ? Optional.of(true) : Optional.empty(), coordinator::getLogs);
            assertEquals(0, awaitExit(coordinator), coordinator.getLogs());
            String logs = coordinator.getLogs();
            assertTrue(Pattern.compile("(?m)^coordinator: worker \\d \\(worker-2\\) .*").matcher(logs).find(),
                    "the loss of worker-2 is reported:\n" + logs);
            Matcher done = done(coordinator);
            System.out.println(done.group());
            assertEquals(200, Long.parseLong(done.group(1)), logs);
            assertTrue(Double.parseDouble(done.group(2)) >= 90, "test accuracy (expected: >= 90%):\n" + logs);
            assertEquals(0, awaitExit(survivor), survivor.getLogs());
            assertEquals(137, (int) docker.inspectContainerCmd(victim.getContainerId()).exec().getState().getExitCodeLong().longValue(),
                    "the killed worker's exit code (128 + SIGKILL)");
        }
    }

    /**
     * The coordinator, as the pods' user: 2 workers, a 4-512-512-3 MLP (slow enough to scrape mid-run),
     * {@code steps} steps of 32, the weights and the run's summary written to its state directory.
     */
    private GenericContainer<?> coordinator(Network network, int steps) {
        List<String> command = new ArrayList<>(List.of("coordinator", "--workers=2", "--bind=0.0.0.0", "--port=" + GRPC,
                "--model=4-512-512-3", "--batch=32", "--steps=" + steps, "--worker-wait=90s", "--step-timeout=60s",
                "--heartbeat-timeout=3s", "--save=/var/lib/chainrule/weights.safetensors", "--metrics-out=/var/lib/chainrule/run.json"));
        command.addAll(common());
        return new GenericContainer<>(DockerImageName.parse(Docker.IMAGE))
                .withNetwork(network).withNetworkAliases("coordinator")
                .withCreateContainerCmdModifier(readOnlyFiles().andThen(create -> create.withUser(POD_USER)))
                .withCommand(command.toArray(new String[0]))
                .withExposedPorts(METRICS)
                .waitingFor(Wait.forLogMessage("coordinator listening on 0\\.0\\.0\\.0:" + GRPC + ".*\\n", 1).withStartupTimeout(START));
    }

    /**
     * A worker as deploy/k8s runs one: user 10001, a read-only root file system and a writable /tmp
     * of the manifests' size (where Netty and JavaCPP unpack their native libraries). With JavaCPP on
     * the class path, its debug log shows where the native libraries came from.
     */
    private GenericContainer<?> worker(Network network, String name) {
        List<String> command = new ArrayList<>(List.of("worker", "--coordinator=coordinator:" + GRPC, "--name=" + name,
                "--connect-timeout=60s", "--reconnect-timeout=10s"));
        command.addAll(common());
        return new GenericContainer<>(DockerImageName.parse(Docker.IMAGE))
                .withNetwork(network).withNetworkAliases(name)
                .withCreateContainerCmdModifier(readOnlyFiles().andThen(create -> {
                    create.withUser(POD_USER);
                    create.getHostConfig().withReadonlyRootfs(true).withTmpFs(Map.of("/tmp", "rw,exec,size=" + POD_TMP));
                }))
                .withEnv("JAVA_TOOL_OPTIONS", JAVACPP ? "-Dorg.bytedeco.javacpp.logger.debug=true" : "")
                .withCommand(command.toArray(new String[0]))
                .withExposedPorts(METRICS)
                .waitingFor(Wait.forLogMessage("metrics at http://0\\.0\\.0\\.0:" + METRICS + "/metrics\\n", 1).withStartupTimeout(START));
    }

    /** The options of every container: the data, the token, the metrics endpoint and the run's name. */
    private static List<String> common() {
        return List.of("--train=/data/train.csv", "--test=/data/test.csv", "--token-file=/etc/chainrule/token",
                "--metrics-port=" + METRICS, "--metrics-bind=0.0.0.0", "--run=" + RUN);
    }

    /**
     * The data and the token bind-mounted read-only, as the manifests mount the data set and the
     * Secret. Set on the create command itself: Testcontainers' own file binds first check that
     * mounting works by running an image it would have to pull.
     */
    private Consumer<CreateContainerCmd> readOnlyFiles() {
        List<Bind> binds = List.of(bind("train.csv", "/data/train.csv"), bind("test.csv", "/data/test.csv"),
                bind("token", "/etc/chainrule/token"));
        return create -> create.getHostConfig().withBinds(binds);
    }

    private Bind bind(String file, String at) {
        return new Bind(dir.resolve(file).toString(), new Volume(at), AccessMode.ro);
    }

    private static URI metricsUrl(GenericContainer<?> container) {
        return URI.create("http://" + container.getHost() + ":" + container.getMappedPort(METRICS) + "/metrics");
    }

    /** Scrapes the coordinator until it has taken {@code steps} steps (bounded); that scrape. */
    private static MetricsText awaitSteps(GenericContainer<?> coordinator, long steps) throws InterruptedException {
        return Await.until("the coordinator container's chainrule_steps_total >= " + steps, START, Duration.ofMillis(200), () -> {
            MetricsText scrape = MetricsText.scrape(metricsUrl(coordinator));
            return scrape.value("chainrule_steps_total") >= steps ? Optional.of(scrape) : Optional.empty();
        }, coordinator::getLogs);
    }

    /** Waits (bounded) for the container's process to end; its exit code. */
    private static int awaitExit(GenericContainer<?> container) {
        return DockerClientFactory.instance().client().waitContainerCmd(container.getContainerId())
                .exec(new WaitContainerResultCallback()).awaitStatusCode(RUN_WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static boolean onClassPath(String className) {
        try {
            Class.forName(className, false, ContainerClusterIT.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static Matcher done(GenericContainer<?> coordinator) {
        Matcher done = DONE.matcher(coordinator.getLogs());
        assertTrue(done.find(), "no 'done:' line:\n" + coordinator.getLogs());
        return done;
    }
}
