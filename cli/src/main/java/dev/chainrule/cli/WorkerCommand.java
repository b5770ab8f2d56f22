package dev.chainrule.cli;

import dev.chainrule.data.Dataset;
import dev.chainrule.worker.Worker;
import dev.chainrule.worker.WorkerException;
import dev.chainrule.worker.WorkerResult;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code chainrule worker}: joins a coordinator and computes the gradients of the shards it is given. */
@Command(name = "worker",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Join a coordinator and compute gradients of its training run on this machine.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Loads the training set from this machine's disk (--data, or --train/--test; it must be the coordinator's"
                    + " data set), connects to the coordinator, and for every step receives the weights and the indices"
                    + " of its shards' samples, runs forward and reverse differentiation of the model on each shard and"
                    + " sends back the gradient of the summed loss. Exits when the coordinator stops the run.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the run finished",
            "1:the session failed (coordinator unreachable, a wait expired, the run was aborted)",
            "2:invalid input: options, data files"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  chainrule worker --coordinator coordinator-host:7070",
            "  chainrule worker --coordinator 10.0.0.5:7070 --data /mnt/fashion-mnist"
        })
public final class WorkerCommand implements Callable<Integer> {
    private static final Duration SHUTDOWN = Duration.ofSeconds(5);

    @Spec
    private CommandSpec spec;

    @Option(names = "--coordinator", paramLabel = "HOST:PORT", required = true, description = "Where the coordinator listens.")
    private String coordinator;

    @Option(names = "--name", paramLabel = "NAME", description = "This worker's name in logs (default: host/pid).")
    private String name;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to keep trying to reach the coordinator (default: ${DEFAULT-VALUE}).")
    private Duration connectTimeout;

    @Mixin
    private DataOptions data = new DataOptions();

    @Override
    public Integer call() throws InterruptedException, InputException {
        PrintWriter out = spec.commandLine().getOut();
        Dataset train = data.load().train();
        String workerName = name != null ? name : hostName() + "/pid-" + ProcessHandle.current().pid();
        ManagedChannel channel = NettyChannelBuilder.forTarget(coordinator).usePlaintext().build();
        try {
            WorkerResult result = new Worker(channel, train, workerName, connectTimeout).run();
            out.printf(Locale.ROOT, "%s: %s after %d steps, %d shards, %d samples (compute %.1f s, communication %.1f s)%n",
                    workerName, result.finished() ? "finished" : "stopped (" + result.reason() + ")", result.stats().steps(),
                    result.stats().shards(), result.stats().samples(), result.stats().computeTime().toMillis() / 1e3,
                    result.stats().communicationTime().toMillis() / 1e3);
            out.flush();
            return result.finished() ? ExitCode.OK : ExitCode.SOFTWARE;
        } catch (WorkerException e) {
            throw new WorkerException(workerName + " with coordinator " + coordinator + " (channel "
                    + channel.getState(false).name().toLowerCase(java.util.Locale.ROOT) + "): " + e.getMessage(), e);
        } finally {
            channel.shutdown();
            if (!channel.awaitTermination(SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS)) {
                channel.shutdownNow();
            }
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
