package dev.chainrule.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A coordinator and {@code workers} worker processes on loopback, each serving {@code /metrics} on a
 * port of its own, training a small MLP on {@link BlobsCsv} data for far more steps than a test waits:
 * the run goes on until {@link #close} kills it. For tests that scrape a cluster while it trains.
 */
final class LocalCluster implements AutoCloseable {
    /** The {@code run} tag of every metric. */
    static final String RUN = "deploy-test";
    private static final Duration START = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("coordinator listening on 127\\.0\\.0\\.1:(\\d+);.*");

    private final LocalChainrule coordinator;
    private final List<LocalChainrule> workers = new ArrayList<>();
    private final int coordinatorMetricsPort;
    private final List<Integer> workerMetricsPorts = new ArrayList<>();

    private LocalCluster(LocalChainrule coordinator, int coordinatorMetricsPort) {
        this.coordinator = coordinator;
        this.coordinatorMetricsPort = coordinatorMetricsPort;
    }

    /** Writes the data to {@code dir}, starts the coordinator and the workers, and waits until the coordinator's first step. */
    static LocalCluster start(Path dir, int workers) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> data = List.of("--train", BlobsCsv.write(dir.resolve("train.csv"), 300, 1).toString(),
                "--test", BlobsCsv.write(dir.resolve("test.csv"), 90, 2).toString());
        int metricsPort = freePort();
        List<String> args = new ArrayList<>(List.of("coordinator", "--bind", "127.0.0.1", "--port", "0",
                "--workers", Integer.toString(workers), "--worker-wait", "60s", "--model", "4-64-3", "--batch", "32",
                "--steps", "1000000", "--checkpoint-dir", dir.resolve("checkpoints").toString(), "--checkpoint-every", "25",
                "--metrics-port", Integer.toString(metricsPort), "--metrics-bind", "127.0.0.1", "--run", RUN));
        args.addAll(data);
        LocalCluster cluster = new LocalCluster(LocalChainrule.start(dir.resolve("logs"), "coordinator", args), metricsPort);
        try {
            String address = "127.0.0.1:" + cluster.coordinator.awaitOut(LISTENING, START).group(1);
            for (int i = 1; i <= workers; i++) {
                int port = freePort();
                List<String> worker = new ArrayList<>(List.of("worker", "--coordinator", address, "--name", "worker-" + i,
                        "--connect-timeout", "30s", "--metrics-port", Integer.toString(port), "--metrics-bind", "127.0.0.1",
                        "--run", RUN));
                worker.addAll(data);
                cluster.workers.add(LocalChainrule.start(dir.resolve("logs"), "worker-" + i, worker));
                cluster.workerMetricsPorts.add(port);
            }
            cluster.awaitSteps(1, START);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    /** The coordinator's {@code /metrics} port. */
    int coordinatorMetricsPort() {
        return coordinatorMetricsPort;
    }

    /** A scrape of the coordinator. */
    MetricsText scrapeCoordinator() throws IOException, InterruptedException {
        return MetricsText.scrape(metricsUrl(coordinatorMetricsPort));
    }

    /** A scrape of worker {@code i} (0-based). */
    MetricsText scrapeWorker(int i) throws IOException, InterruptedException {
        return MetricsText.scrape(metricsUrl(workerMetricsPorts.get(i)));
    }

    /** Waits (at most {@code timeout}) until the coordinator's {@code chainrule_steps_total} is at least {@code steps}. */
    MetricsText awaitSteps(long steps, Duration timeout) throws InterruptedException {
        return Await.until("chainrule_steps_total >= " + steps, timeout, Duration.ofMillis(200), () -> {
            MetricsText scrape = scrapeCoordinator();
            return scrape.value("chainrule_steps_total") >= steps ? Optional.of(scrape) : Optional.empty();
        }, this::transcripts);
    }

    /** The output of every process so far. */
    String transcripts() {
        StringBuilder all = new StringBuilder(coordinator.transcript());
        workers.forEach(w -> all.append('\n').append(w.transcript()));
        return all.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (LocalChainrule worker : workers) {
            worker.close();
        }
        coordinator.close();
    }

    private static URI metricsUrl(int port) {
        return URI.create("http://127.0.0.1:" + port + "/metrics");
    }

    /** A TCP port free on 127.0.0.1 a moment ago (for the options that take no 0). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
