package dev.chainrule.cli;

import dev.chainrule.coordinator.CoordinatorServer;
import dev.chainrule.coordinator.CoordinatorSettings;
import dev.chainrule.coordinator.PartitionSetup;
import dev.chainrule.wire.GradientCompression;
import dev.chainrule.worker.ChannelSecurity;
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

    @Option(names = "--partitions", paramLabel = "K", defaultValue = "0",
            description = "Split the parameters into K partitions hosted by the first K workers that offer one (train --workers"
                    + " N starts its workers offering one each), instead of keeping them in the coordinator: each partition adds"
                    + " its slice of every shard's gradient in shard order, updates that slice and sends it to every worker, so"
                    + " that no process carries every byte. The weights are bit for bit those of 0 (one coordinator). 0 keeps"
                    + " them in the coordinator (default: ${DEFAULT-VALUE}). Partitions check --token-file's token when given, and"
                    + " serve TLS in a run whose coordinator does (worker --partition-tls-cert, coordinator --partition-tls-ca)."
                    + " With --checkpoint-dir the coordinator gathers the partitions'"
                    + " weights and optimiser state into its checkpoints, and a worker that hosts a partition may be lost: the"
                    + " run goes back to its newest checkpoint and places the partitions again on the workers left (as many as"
                    + " offer, up to K), with the same final bytes; without it, losing a host ends the run.")
    int partitions;

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

    /** Checks --partitions for a run of {@code workers} workers. */
    void checkPartitions(int workers) throws InputException {
        if (partitions < 0) {
            throw new InputException("--partitions " + partitions + " (expected: >= 0; 0 keeps the parameters in the coordinator)");
        }
        if (partitions > workers) {
            throw new InputException("--partitions " + partitions + " with " + workers + " workers (expected: at most one partition per"
                    + " worker, since workers host them)");
        }
    }

    /**
     * Makes {@code server} the leader of a partitioned run when --partitions is set: the partitions
     * apply {@code options}' optimiser, the leader reaches them over channels of {@code channels}
     * (plaintext or TLS, with the token when the run has one), and a lost host sends the run back to
     * its newest checkpoint when it writes checkpoints.
     */
    void applyPartitions(CoordinatorServer server, TrainingOptions options, ChannelSecurity channels) {
        if (partitions > 0) {
            server.partitioned(new PartitionSetup(partitions, options.optimizer, options.optimizerSettings(),
                    options.checkpointDir != null), channels::newChannel);
        }
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
