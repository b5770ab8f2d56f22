package dev.chainrule.cli;

import dev.chainrule.coordinator.CoordinatorServer;
import dev.chainrule.coordinator.CoordinatorSettings;
import dev.chainrule.wire.GradientCompression;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The coordinator's waits and the workers' gradient compression, shared by {@code coordinator} and {@code train --workers}. */
final class ClusterOptions {

    @Option(names = "--worker-wait", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait for the workers to join before step 0, and for one to join when no worker is left"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration workerWait;

    @Option(names = "--step-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long a step may wait for its shards' gradients before the run fails, naming the worker and"
                    + " the step (default: ${DEFAULT-VALUE}).")
    Duration stepTimeout;

    @Option(names = "--heartbeat-timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long a worker may send nothing (workers send a heartbeat every second) before the coordinator"
                    + " drops it and has the other workers compute its shards (default: ${DEFAULT-VALUE}).")
    Duration heartbeatTimeout;

    @Option(names = "--compression", paramLabel = "MODE", defaultValue = "none", converter = CompressionConverter.class,
            description = "How workers encode the gradients they send: none (raw float32; the only mode whose weights are bit for"
                    + " bit those of a local run), fp16 or bf16 (2 bytes per element), or topk:FRACTION (only the largest FRACTION"
                    + " of each gradient's elements, e.g. topk:0.01, 8 bytes each). Lossy modes keep what they left out and add"
                    + " it to the next step's gradient (error feedback) (default: ${DEFAULT-VALUE}).")
    GradientCompression compression;

    /** The coordinator's settings for {@code workers} workers. */
    CoordinatorSettings settings(int workers) {
        CoordinatorSettings defaults = CoordinatorSettings.defaults(workers);
        if (heartbeatTimeout.compareTo(defaults.heartbeatInterval()) <= 0) {
            throw new IllegalArgumentException("--heartbeat-timeout " + DurationConverter.describe(heartbeatTimeout) + " (expected: > "
                    + DurationConverter.describe(defaults.heartbeatInterval()) + ", the workers' heartbeat interval)");
        }
        return defaults.withWorkerWait(workerWait).withStepTimeout(stepTimeout).withHeartbeatTimeout(heartbeatTimeout)
                .withCompression(compression);
    }

    /**
     * Waits (at most --worker-wait) for {@code server}'s {@code workers} workers to join and says how
     * long it took, so that their start-up is not counted in the first step's time.
     */
    static void awaitWorkers(CoordinatorServer server, int workers, PrintWriter out) {
        long start = System.nanoTime();
        server.executor().awaitWorkers();
        out.printf(Locale.ROOT, "%d worker%s joined in %.1f s%n", workers, workers == 1 ? "" : "s", (System.nanoTime() - start) / 1e9);
        out.flush();
    }

    /** Prints {@code server}'s worker events (a worker lost, its shards reassigned, a late join) to {@code err}, one line each. */
    static void reportWorkerEvents(CoordinatorServer server, PrintWriter err) {
        server.onWorkerEvent(event -> {
            synchronized (err) {
                err.println("coordinator: " + event);
                err.flush();
            }
        });
    }
}
