package dev.chainrule.cli;

import dev.chainrule.data.Dataset;
import dev.chainrule.metrics.WorkerMetrics;
import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.worker.ChannelSecurity;
import dev.chainrule.worker.PartitionAccess;
import dev.chainrule.worker.ReconnectingSessionRunner;
import dev.chainrule.worker.WorkerException;
import dev.chainrule.worker.WorkerResult;
import dev.chainrule.worker.WorkerStats;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
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
            "",
            "Once joined, the worker reconnects by itself when the coordinator goes away (e.g. it is killed and restarted"
                    + " from its --checkpoint-dir) and joins the run again, for up to --reconnect-timeout.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the run finished",
            "1:the session failed (coordinator unreachable, a wait expired, the run was aborted) and reconnecting did not help",
            "2:invalid input: options, data files"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  chainrule worker --coordinator coordinator-host:7070",
            "  chainrule worker --coordinator coordinator-host:7070 --tls-ca ca.pem --token-file token.txt",
            "  chainrule worker --coordinator 10.0.0.5:7070 --data /mnt/fashion-mnist"
        })
public final class WorkerCommand implements Callable<Integer> {
    private static final Duration SHUTDOWN = Duration.ofSeconds(5);
    /** How long a failed session may spend asking the channel why it could not connect. */
    private static final Duration DIAGNOSIS = Duration.ofSeconds(3);

    @Spec
    private CommandSpec spec;

    @Option(names = "--coordinator", paramLabel = "HOST:PORT", required = true, description = "Where the coordinator listens.")
    private String coordinator;

    @Option(names = "--name", paramLabel = "NAME", description = "This worker's name in logs (default: host/pid).")
    private String name;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to keep trying to reach the coordinator (default: ${DEFAULT-VALUE}).")
    private Duration connectTimeout;

    @Option(names = "--reconnect-timeout", paramLabel = "DURATION", defaultValue = "120s", converter = DurationConverter.class,
            description = "After joining, how long to keep trying to join again when the coordinator goes away (killed, restarted"
                    + " from its checkpoint) or stops the run unfinished, with pauses of 0.5s doubling up to 5s between"
                    + " attempts (default: ${DEFAULT-VALUE}).")
    private Duration reconnectTimeout;

    @Mixin
    private PartitionHostingOptions hosting = new PartitionHostingOptions();

    @Mixin
    private DataOptions data = new DataOptions();

    @Mixin
    private WorkerSecurityOptions security = new WorkerSecurityOptions();

    @Mixin
    private MetricsOptions metricsOptions = new MetricsOptions();

    @Mixin
    private ComputeOptions compute = new ComputeOptions();

    @Mixin
    private TimelineOptions timelineOptions = new TimelineOptions();

    @Mixin
    private ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws InterruptedException, InputException, IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        compute.applyWarning(err);
        int shardThreads = threads.threads();
        hosting.check(security.servesTls());
        ChannelSecurity channelSecurity = security.channelSecurity(err);
        timelineOptions.check();
        Dataset train = data.load().train();
        String workerName = name != null ? name : hostName() + "/pid-" + ProcessHandle.current().pid();
        Timeline timeline = timelineOptions.create(100, workerName, true);
        ReconnectingSessionRunner.Outcome outcome;
        try (MetricsOptions.Endpoint endpoint = metricsOptions.start(out, "worker", workerName);
                PartitionServer partitionServer = hosting.start(security.token)) {
            // the partitions are reached as the coordinator is: plaintext or TLS with --tls-ca, the client certificate, the token
            PartitionAccess access = partitionServer.access(channelSecurity::newChannel);
            WorkerMetrics metrics = new WorkerMetrics(endpoint.registry());
            outcome = new ReconnectingSessionRunner(connectTimeout, reconnectTimeout, line -> {
                err.println(workerName + ": " + line);
                err.flush();
            }).run(attempt -> session(channelSecurity, train, workerName, metrics, timeline, shardThreads, access, attempt));
        } finally {
            timelineOptions.write(timeline, List.of(), out);
        }
        WorkerResult result = outcome.last();
        WorkerStats stats = outcome.total();
        out.printf(Locale.ROOT, "%s: %s after %d steps, %d shards, %d samples (compute %.1f s, communication %.1f s)%s%n",
                workerName, result.finished() ? "finished" : "stopped (" + result.reason() + ")", stats.steps(), stats.shards(),
                stats.samples(), stats.computeTime().toMillis() / 1e3, stats.communicationTime().toMillis() / 1e3,
                outcome.sessions() > 1 ? ", in " + outcome.sessions() + " sessions" : "");
        out.flush();
        return result.finished() ? ExitCode.OK : ExitCode.SOFTWARE;
    }

    /** One session: a new channel and a new worker, waiting at most the attempt's connect timeout for the coordinator. */
    private WorkerResult session(ChannelSecurity channelSecurity, Dataset train, String workerName, WorkerMetrics metrics,
            Timeline timeline, int shardThreads, PartitionAccess access, ReconnectingSessionRunner.Attempt attempt)
            throws InterruptedException {
        ManagedChannel channel = channelSecurity.newChannel(coordinator);
        try {
            return attempt.run(channel, train, workerName, metrics, timeline, shardThreads, access);
        } catch (WorkerException e) {
            // a wait for the connection never says why it failed (a certificate, a plaintext peer): ask the channel
            String failure = channelSecurity.connectionFailure(channel, DIAGNOSIS).map(f -> "; " + f).orElse("");
            throw new WorkerException(workerName + " with coordinator " + coordinator + " (channel "
                    + channel.getState(false).name().toLowerCase(java.util.Locale.ROOT) + failure + "): " + e.getMessage(), e);
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
