package dev.chainrule.cli;

import dev.chainrule.coordinator.CoordinatorServer;
import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.train.LocalShardExecutor;
import dev.chainrule.worker.ChannelSecurity;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code chainrule train}: trains an MLP in this process on an IDX or CSV data set, printing progress,
 * the test split's loss and accuracy after every epoch, and optionally saving the weights and a
 * JSON summary.
 */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Train an MLP in this process on Fashion-MNIST, another IDX data set, or CSV files.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Builds the model given by --model (Linear layers, the --activation after every layer but the last,"
                    + " softmax cross-entropy averaged over the batch), then takes optimiser steps on batches of --batch"
                    + " samples: forward pass, reverse-mode differentiation, update. Each epoch visits the training set"
                    + " in a new order derived from --seed (file order with --no-shuffle); its last, smaller batch is kept.",
            "",
            "On a terminal a progress bar shows epoch, step, loss, samples/s and ETA; otherwise one line per epoch."
                    + " After every epoch and at the end, the test split's loss and accuracy are printed.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:unexpected error (one line; --verbose for the stack trace)",
            "2:invalid input: options, data files, weights files"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  chainrule train                                  (Fashion-MNIST, 10 epochs, Adam, cosine schedule)",
            "  chainrule train --epochs 1 --save weights.safetensors --metrics-out run.json",
            "  chainrule train --optimizer momentum --lr 0.05 --lr-schedule constant --activation tanh",
            "  chainrule train --train train.csv --test test.csv --model 4-16-3 --batch 16 --epochs 50",
            "  chainrule train --workers 2 --batch 256           (a coordinator and 2 worker processes on loopback)",
            "  chainrule train --checkpoint-dir ckpt --checkpoint-every 500   (run it again after a crash: it resumes)",
            "  chainrule eval --weights weights.safetensors"
        })
public final class TrainCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "0",
            description = "Train on N worker processes on this machine, talking gRPC over loopback to a coordinator in"
                    + " this process; 0 trains in this process (default: ${DEFAULT-VALUE}).")
    private int workers;

    @Mixin
    private ClusterOptions cluster = new ClusterOptions();

    @Mixin
    private TrainingOptions options = new TrainingOptions();

    @Mixin
    private TokenFileOption token = new TokenFileOption();

    @Mixin
    private MetricsOptions metricsOptions = new MetricsOptions();

    @Mixin
    private ComputeOptions compute = new ComputeOptions();

    @Mixin
    private TimelineOptions timelineOptions = new TimelineOptions();

    @Mixin
    private ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws IOException, InputException {
        compute.apply();
        int shardThreads = threads.threads();
        PrintWriter out = spec.commandLine().getOut();
        if (workers < 0) {
            throw new InputException("--workers " + workers + " (expected: >= 0)");
        }
        if (workers == 0 && !cluster.compression.isLossless()) {
            throw new InputException("--compression " + cluster.compression + " compresses the gradients workers send; without --workers"
                    + " nothing is sent");
        }
        if (workers == 0 && token.tokenFile != null) {
            throw new InputException("--token-file protects the local cluster of --workers N; without --workers nothing listens");
        }
        if (workers == 0 && cluster.partitions != 0) {
            throw new InputException("--partitions " + cluster.partitions + " splits the parameters over worker processes; without"
                    + " --workers there are none");
        }
        cluster.checkPartitions(workers);
        ServerSecurity serverSecurity = token.applyTo(ServerSecurity.plaintext(), spec.commandLine().getErr());
        timelineOptions.check();
        TrainingRun run = options.prepare(workers, out);
        try (MetricsOptions.Endpoint endpoint = metricsOptions.start(out)) {
            CoordinatorMetrics metrics = new CoordinatorMetrics(endpoint.registry());
            if (workers == 0) {
                int atOnce = Math.min(shardThreads, run.config().shards());
                Timeline timeline = timelineOptions.create(TimelineOptions.COORDINATOR_PID, "chainrule train (one process)", false);
                try (LocalShardExecutor executor = new LocalShardExecutor(run.model(), run.data().train(), atOnce)) {
                    run.run(out, timeline.recording() ? new TimedShardExecutor(executor, timeline) : executor,
                            "in this process" + (atOnce == 1 ? "" : ", " + atOnce + " at a time"), metrics);
                }
                timelineOptions.write(timeline, List.of(), out);
            } else {
                runOnWorkerProcesses(run, serverSecurity, metrics, out, spec.commandLine().getErr());
            }
        }
        return ExitCode.OK;
    }

    /** A local cluster: the coordinator in this process on a loopback port, and {@code workers} worker processes. */
    private void runOnWorkerProcesses(TrainingRun run, ServerSecurity security, CoordinatorMetrics metrics, PrintWriter out,
            PrintWriter err) throws IOException, InputException {
        Timeline timeline = timelineOptions.create(TimelineOptions.COORDINATOR_PID, "coordinator", false);
        CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0, security), run.model(),
                run.data().train(), run.config(), cluster.settings(workers), Clock.systemUTC(), metrics, timeline);
        cluster.applyPartitions(server, options, token.applyTo(ChannelSecurity.plaintext(), err));
        server.start();
        ClusterOptions.reportWorkerEvents(server, err);
        WorkerProcesses processes = null;
        boolean finished = false;
        try {
            List<String> workerArgs = new ArrayList<>(List.of("--coordinator", "127.0.0.1:" + server.port()));
            workerArgs.addAll(options.data.asArguments());
            workerArgs.addAll(token.asArguments());
            workerArgs.addAll(compute.asArguments());
            workerArgs.addAll(threads.asArguments());
            // a worker of this local cluster has nothing to reconnect to once this process is gone
            workerArgs.addAll(List.of("--reconnect-timeout", "10s"));
            if (cluster.partitions > 0) {
                workerArgs.addAll(List.of("--partition-listen", "127.0.0.1:0"));
            }
            if (ErrorHandlers.verboseRequested(spec.root().commandLine().getParseResult())) {
                workerArgs.add("--verbose");
            }
            processes = WorkerProcesses.start(workers, workerArgs, i -> timelineOptions.file == null ? List.of()
                    : List.of("--timeline", timelineOptions.workerPart(i).toString(), "--timeline-steps", timelineOptions.steps), err);
            ClusterOptions.awaitWorkers(server, workers, out);
            run.run(out, server.executor(), "on " + workers + " worker process" + (workers == 1 ? "" : "es")
                    + (cluster.partitions > 0 ? ", " + cluster.partitions + " of them hosting a partition each" : ""), metrics,
                    server.workerTimes()::snapshot);
            finished = true;
        } finally {
            server.close();
            if (processes != null) {
                if (!finished) {
                    processes.kill();
                }
                processes.close();
            }
        }
        timelineOptions.write(timeline, timelineOptions.workerParts(workers), out);
    }
}
