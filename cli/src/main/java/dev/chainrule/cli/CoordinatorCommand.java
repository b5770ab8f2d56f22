package dev.chainrule.cli;

import dev.chainrule.coordinator.CoordinatorServer;
import java.io.IOException;
import java.io.PrintWriter;
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
                    + " 'chainrule train --shards S' with the same options."
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the run failed (a worker broke off, a wait expired) or an unexpected error",
            "2:invalid input: options, data files, weights files"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  chainrule coordinator --port 7070 --workers 2 --epochs 10 --save weights.safetensors",
            "  chainrule worker --coordinator coordinator-host:7070        (on each of the two worker machines)"
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

    @Override
    public Integer call() throws IOException, InputException {
        PrintWriter out = spec.commandLine().getOut();
        if (workers < 1) {
            throw new InputException("--workers " + workers + " (expected: >= 1)");
        }
        TrainingRun run = options.prepare(workers);
        try (CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp(bind, port), run.model(), run.data().train(),
                run.config(), cluster.settings(workers)).start()) {
            out.printf("coordinator listening on %s:%d; waiting up to %s for %d worker%s%n", bind, server.port(),
                    DurationConverter.describe(cluster.workerWait), workers, workers == 1 ? "" : "s");
            out.flush();
            run.run(out, server.executor(), "on " + workers + " worker" + (workers == 1 ? "" : "s"));
        }
        return ExitCode.OK;
    }
}
