package dev.chainrule.coordinator;

import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.train.TrainingConfig;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's gRPC server for one distributed run: serves {@link CoordinatorService} and hands
 * the {@link dev.chainrule.train.Trainer} a {@link RemoteShardExecutor}.
 *
 * <p>Lifecycle: construct, {@link #start}, run a Trainer with {@link #executor()}, then
 * {@link #close} (try-with-resources), which sends every worker Stop, completes the streams and shuts
 * the server down within a bounded time. {@link #close} may be called from any thread, also to abort
 * a run: a step still waiting fails.
 */
public final class CoordinatorServer implements AutoCloseable {
    /** How long {@link #close} waits for the sessions to end, and again after cancelling them. */
    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final RunDescription run;
    private final WorkerRegistry registry;
    private final RemoteShardExecutor executor;
    private final Server server;
    private boolean closed;

    /**
     * A server for training {@code model} on {@code train} with {@code config}, built from
     * {@code builder}: {@link #tcp} in production, an in-process builder in tests.
     */
    public CoordinatorServer(ServerBuilder<?> builder, Mlp model, Dataset train, TrainingConfig config, CoordinatorSettings settings) {
        this(builder, model, train, config, settings, Clock.systemUTC());
    }

    /** As above, with the clock that times the workers' last signs of life. */
    public CoordinatorServer(ServerBuilder<?> builder, Mlp model, Dataset train, TrainingConfig config, CoordinatorSettings settings,
            Clock clock) {
        this.run = RunDescription.of(model, train.requireFeatures(model.spec().inputs()), config);
        this.registry = new WorkerRegistry(settings.expectedWorkers(), clock);
        this.executor = new RemoteShardExecutor(model, registry, settings);
        this.server = builder.addService(new CoordinatorService(run, settings, registry))
                .maxInboundMessageSize(settings.maxInboundMessageSize())
                .build();
    }

    /** A plaintext TCP server builder for {@code host}:{@code port} (port 0 picks a free port). */
    public static ServerBuilder<?> tcp(String host, int port) {
        return NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
    }

    /** Starts serving; returns this server. */
    public CoordinatorServer start() throws IOException {
        server.start();
        return this;
    }

    /** The port the server listens on (-1 for an in-process server). */
    public int port() {
        return server.getPort();
    }

    /** The shard executor to give the Trainer. */
    public RemoteShardExecutor executor() {
        return executor;
    }

    /** The run this server coordinates. */
    public RunDescription run() {
        return run;
    }

    /**
     * Sends Stop to every worker (finished when every step completed and nothing failed; otherwise
     * with the reason), completes their streams, and shuts the server down, waiting at most
     * {@link #SHUTDOWN_TIMEOUT} for the sessions to end before cancelling them. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long done = executor.stepsCompleted();
        String failure = registry.failure().orElse(null);
        boolean finished = failure == null && done == run.totalSteps();
        String reason = finished ? "training finished after " + done + " steps"
                : failure != null ? failure : "the coordinator closed after " + done + " of " + run.totalSteps() + " steps";
        List<WorkerHandle> workers = registry.close(reason);
        CoordinatorMessage stop = Messages.stop(reason, finished);
        for (WorkerHandle worker : workers) {
            worker.outbox().finish(stop);
        }
        server.shutdown();
        try {
            if (!server.awaitTermination(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
