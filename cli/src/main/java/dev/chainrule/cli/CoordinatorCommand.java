package dev.chainrule.cli;

import dev.chainrule.coordinator.CoordinatorServer;
import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.metrics.timeline.Timeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code chainrule coordinator}: serves a distributed training run to workers on other machines. */
@Command(name = "coordinator",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Coordinate a data-parallel training run: workers connect over gRPC and compute the gradients.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Listens on --bind:--port and waits (up to --worker-wait) for --workers workers ('chainrule worker"
                    + " --coordinator HOST:PORT'). For every step it sends the current weights and each worker's shards of"
                    + " the batch (by sample index: every worker loads the data set from its own disk), adds the returned"
                    + " shard gradients in shard order, divides by the batch size, applies the optimiser and goes on.",
            "The training options are those of 'chainrule train'; the weights are bit for bit those of"
                    + " 'chainrule train --shards S' with the same options.",
            "A worker whose connection breaks, or that sends nothing for --heartbeat-timeout, is dropped and the"
                    + " others compute its shards, with the same bits; a worker may join at any step (up to --workers at a"
                    + " time). Each loss and late join is printed on stderr. With no worker left, the run waits up to"
                    + " --worker-wait for one, then fails.",
            "Across a network, protect the port: --tls-cert/--tls-key serve TLS (workers give --tls-ca),"
                    + " --tls-client-ca also requires a client certificate from every worker (mutual TLS), and"
                    + " --token-file requires a shared secret on every call. Listening on a non-loopback address with"
                    + " neither TLS nor a token prints a warning."
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the run failed (no worker left after --worker-wait, a step past --step-timeout) or an unexpected error",
            "2:invalid input: options, data files, weights files"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  chainrule coordinator --port 7070 --workers 2 --epochs 10 --save weights.safetensors",
            "  chainrule worker --coordinator coordinator-host:7070        (on each of the two worker machines)",
            "  chainrule coordinator --port 7070 --workers 2 --checkpoint-dir ckpt   (the same command after a crash resumes;"
                    + " the workers reconnect)",
            "  chainrule coordinator --workers 2 --tls-cert server.pem --tls-key server.key --tls-client-ca ca.pem --token-file token",
            "  chainrule worker --coordinator coordinator-host:7070 --tls-ca ca.pem --tls-client-cert worker.pem"
                    + " --tls-client-key worker.key --token-file token"
        })
public final class CoordinatorCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--workers", paramLabel = "N", required = true, description = "Number of workers to wait for and train with.")
    private int workers;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "7070", description = "TCP port to listen on (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, every interface).")
    private String bind;

    @Mixin
    private ClusterOptions cluster = new ClusterOptions();

    @Mixin
    private TrainingOptions options = new TrainingOptions();

    @Mixin
    private CoordinatorSecurityOptions security = new CoordinatorSecurityOptions();

    @Mixin
    private MetricsOptions metricsOptions = new MetricsOptions();

    @Mixin
    private ComputeOptions compute = new ComputeOptions();

    @Mixin
    private TimelineOptions timelineOptions = new TimelineOptions();

    @Override
    public Integer call() throws IOException, InputException {
        compute.apply();
        PrintWriter out = spec.commandLine().getOut();
        if (workers < 1) {
            throw new InputException("--workers " + workers + " (expected: >= 1)");
        }
        cluster.checkPartitions(workers);
        security.checkPartitions(cluster.partitions);
        ServerSecurity serverSecurity = security.serverSecurity(spec.commandLine().getErr());
        timelineOptions.check();
        TrainingRun run = options.prepare(workers, out);
        Timeline timeline = timelineOptions.create(TimelineOptions.COORDINATOR_PID, "coordinator", false);
        try (MetricsOptions.Endpoint endpoint = metricsOptions.start(out);
                CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp(bind, port, serverSecurity), run.model(),
                        run.data().train(), run.config(), cluster.settings(workers), Clock.systemUTC(),
                        new CoordinatorMetrics(endpoint.registry()), timeline)) {
            cluster.applyPartitions(server, options, security.partitionChannels());
            server.start();
            CoordinatorMetrics metrics = server.metrics();
            printExposureWarning(serverSecurity, server.port());
            ClusterOptions.reportWorkerEvents(server, spec.commandLine().getErr());
            out.printf("coordinator listening on %s:%d%s; waiting up to %s for %d worker%s%n", bind, server.port(),
                    serverSecurity.unprotected() ? "" : " (" + serverSecurity + ")",
                    DurationConverter.describe(cluster.workerWait), workers, workers == 1 ? "" : "s");
            out.flush();
            ClusterOptions.awaitWorkers(server, workers, out);
            run.run(out, server.executor(), "on " + workers + " worker" + (workers == 1 ? "" : "s")
                    + (cluster.partitions > 0 ? ", " + cluster.partitions + " of them hosting a partition each" : ""), metrics,
                    server.workerTimes()::snapshot);
        }
        timelineOptions.write(timeline, List.of(), out);
        return ExitCode.OK;
    }

    /** The warning, framed on stderr, when anyone who reaches a non-loopback port could join the run. */
    private void printExposureWarning(ServerSecurity serverSecurity, int boundPort) {
        serverSecurity.exposureWarning(bind, boundPort).ifPresent(warning -> {
            PrintWriter err = spec.commandLine().getErr();
            String rule = "*".repeat(78);
            err.println(rule);
            err.println(warning);
            err.println(rule);
            err.flush();
        });
    }
}
