package dev.chainrule.bench;

import dev.chainrule.nn.ModelSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Chainrule run on the emulated cluster: a standalone {@code chainrule coordinator} on node 0 and
 * {@code chainrule worker} i on node i, plain gRPC across the bridge; with partitions, the coordinator
 * is the run's leader and workers 1..K host a partition each, served on their node's address. While it runs, the coordinator's
 * step timer is read from its Prometheus endpoint (on its bridge address), as {@link ChainruleTrainRun}
 * reads it; the timed window opens at the first reading at or past the warm-up steps and closes at the
 * first reading at or past {@link #closingStep}, and at both edges every node's byte counters are read
 * between two readings of the timer, whose mean step count is the edge's. The coordinator's counters
 * include the bench's scrapes, which the bench's own interface counts and which are taken off.
 */
final class ChainruleClusterRun {
    /** The gRPC port of the coordinator; the metrics port is one above. */
    private static final int PORT = 7070;
    /** The port a worker serves its partition on, on its node's address. */
    private static final int PARTITION_PORT = 7072;
    private static final int COORDINATOR_NODE = 0;

    /** The counters and the step count at one edge of the timed window. */
    private record Edge(ChainruleTrainRun.Reading before, ChainruleTrainRun.Reading after, List<NodeBytes> nodes, NodeBytes bench) {
        double steps() {
            return (before.steps() + after.steps()) / 2;
        }
    }

    private ChainruleClusterRun() {
    }

    /** The step at which the timed window closes: before the run's last steps and its final evaluation. */
    static int closingStep(int steps, int warmup) {
        return steps - Math.max(2, (steps - warmup) / 10);
    }

    /**
     * Runs {@code workers} workers and the coordinator training {@code model} with {@code compression},
     * the parameters in {@code partitions} partitions hosted by the first workers (0: in the
     * coordinator); returns its figures.
     */
    static ClusterFigures run(ClusterRunSettings s, int workers, ModelSpec model, String compression, int partitions)
            throws IOException, InterruptedException {
        EmulatedNetwork net = s.network();
        String coordinator = net.address(COORDINATOR_NODE);
        List<String> coordinatorCommand = new ArrayList<>(javaCommand(s));
        coordinatorCommand.addAll(List.of("coordinator", "--workers", Integer.toString(workers), "--bind", coordinator, "--port",
                Integer.toString(PORT), "--model", model.toString(), "--batch", Integer.toString(ClusterRunSettings.GLOBAL_BATCH),
                "--shards", Integer.toString(workers), "--optimizer", "sgd", "--lr", "0.01", "--lr-schedule", "constant", "--steps",
                Integer.toString(s.steps()), "--compression", compression, "--metrics-bind", coordinator, "--metrics-port",
                Integer.toString(PORT + 1), "--worker-wait", ClusterRunSettings.START_TIMEOUT.toSeconds() + "s"));
        if (partitions > 0) {
            coordinatorCommand.addAll(List.of("--partitions", Integer.toString(partitions)));
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest metrics = HttpRequest.newBuilder(URI.create("http://" + coordinator + ":" + (PORT + 1) + "/metrics"))
                .timeout(Duration.ofSeconds(2)).build();
        long started = System.nanoTime();
        long deadline = started + s.runTimeout().toNanos();
        try (NodeProcesses processes = new NodeProcesses(s.logDir())) {
            processes.start("coordinator", net.inNode(COORDINATOR_NODE, coordinatorCommand), Map.of());
            for (int w = 1; w <= workers; w++) {
                List<String> workerCommand = new ArrayList<>(javaCommand(s));
                workerCommand.addAll(List.of("worker", "--coordinator", coordinator + ":" + PORT, "--name", "worker-" + w,
                        "--connect-timeout", ClusterRunSettings.START_TIMEOUT.toSeconds() + "s", "--reconnect-timeout", "5s"));
                if (w <= partitions) {
                    workerCommand.addAll(List.of("--partition-listen", net.address(w) + ":" + PARTITION_PORT));
                }
                processes.start("worker-" + w, net.inNode(w, workerCommand), Map.of());
            }
            Edge open = null;
            Edge close = null;
            boolean answered = false;
            int closing = closingStep(s.steps(), s.warmup());
            while (close == null) {
                long now = System.nanoTime();
                if (now - deadline > 0) {
                    throw new IllegalStateException("the run did not reach step " + closing + " within " + s.runTimeout().toSeconds()
                            + " s; " + processes.tail("coordinator"));
                }
                if (!answered && now - started > ClusterRunSettings.START_TIMEOUT.toNanos()) {
                    throw new IllegalStateException("the coordinator's metrics did not answer within "
                            + ClusterRunSettings.START_TIMEOUT.toSeconds() + " s; " + processes.tail("coordinator"));
                }
                String failed = processes.anyFailed();
                if (failed != null) {
                    throw processes.failure(failed);
                }
                if (processes.ended("coordinator")) {
                    throw new IllegalStateException("the coordinator ended before step " + closing + " was timed; raise --steps; "
                            + processes.tail("coordinator"));
                }
                ChainruleTrainRun.Reading reading = ChainruleTrainRun.read(http, metrics);
                answered |= reading != null;
                if (reading != null && open == null && reading.steps() >= s.warmup()) {
                    open = edge(net, workers, reading, http, metrics);
                } else if (reading != null && open != null && reading.steps() >= closing) {
                    close = edge(net, workers, reading, http, metrics);
                } else {
                    Thread.sleep(ChainruleTrainRun.SCRAPE_INTERVAL.toMillis());
                }
            }
            processes.awaitAll(deadline);
            return figures(open, close, workers);
        }
    }

    private static List<String> javaCommand(ClusterRunSettings s) {
        List<String> command = new ArrayList<>();
        command.add(s.java());
        command.addAll(s.javaOptions());
        command.addAll(List.of("-jar", s.jar().toString()));
        return command;
    }

    private static Edge edge(EmulatedNetwork net, int workers, ChainruleTrainRun.Reading before, HttpClient http, HttpRequest metrics)
            throws IOException, InterruptedException {
        List<NodeBytes> nodes = new ArrayList<>();
        for (int node = 0; node <= workers; node++) {
            nodes.add(net.counters(node));
        }
        NodeBytes bench = net.benchCounters();
        ChainruleTrainRun.Reading after = ChainruleTrainRun.read(http, metrics);
        return new Edge(before, after == null ? before : after, nodes, bench);
    }

    private static ClusterFigures figures(Edge open, Edge close, int workers) {
        double steps = close.steps() - open.steps();
        double stepSeconds = ChainruleTrainRun.steadyStepSeconds(open.before(), close.after());
        NodeBytes scrapes = close.bench().minus(open.bench());
        List<NodeTraffic> nodes = new ArrayList<>();
        for (int node = 0; node <= workers; node++) {
            NodeBytes bytes = close.nodes().get(node).minus(open.nodes().get(node));
            if (node == COORDINATOR_NODE) {
                bytes = new NodeBytes(bytes.rx() - scrapes.tx(), bytes.tx() - scrapes.rx()); // the bench's requests and their answers
            }
            nodes.add(new NodeTraffic(node == COORDINATOR_NODE ? "coordinator" : "worker-" + node, node != COORDINATOR_NODE,
                    bytes.rx() / steps, bytes.tx() / steps));
        }
        return new ClusterFigures(ClusterRunSettings.GLOBAL_BATCH / stepSeconds, 1e3 * stepSeconds, nodes);
    }
}
