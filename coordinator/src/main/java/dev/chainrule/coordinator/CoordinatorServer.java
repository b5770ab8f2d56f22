package dev.chainrule.coordinator;

import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.metrics.timeline.Track;
import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.data.Dataset;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.nn.Mlp;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.wire.Transport;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The coordinator's gRPC server for one distributed run: serves {@link CoordinatorService} and hands
 * the {@link dev.chainrule.train.Trainer} a {@link RemoteShardExecutor}.
 *
 * <p>Lifecycle: construct, {@link #start}, run a Trainer with {@link #executor()}, then
 * {@link #close} (try-with-resources), which sends every worker Stop, completes the streams and shuts
 * the server down within a bounded time. {@link #close} may be called from any thread, also to abort
 * a run: a step still waiting fails. Workers may be lost and may join while the run goes on; how the
 * steps carry on is described at {@link RemoteShardExecutor}.
 */
public final class CoordinatorServer implements AutoCloseable {
    /** How long {@link #close} waits for the sessions to end, and again after cancelling them. */
    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
    /** The shortest pause between two of the loop's checks for silent workers and deadlines. */
    private static final Duration MIN_TICK = Duration.ofMillis(10);

    private final RunDescription run;
    private final RunState state;
    private final CoordinatorLoop loop;
    private final RemoteShardExecutor executor;
    private final CoordinatorMetrics metrics;
    private final WorkerTimes workerTimes = new WorkerTimes();
    private final Server server;
    private final Mlp model;
    private final CoordinatorSettings settings;
    private final CoordinatorService service;
    private PartitionFollower follower;
    private volatile Consumer<String> workerEvents = event -> { };
    private boolean started;
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
        this(builder, model, train, config, settings, clock, CoordinatorMetrics.disabled());
    }

    /**
     * As the first, recording in {@code metrics}: the live workers, each step's start and wait for its
     * slowest shard, the bytes of gradients and weights, each worker's lateness and rejected messages.
     * (Steps, loss, accuracy and checkpoints come from the trainer: see {@link MetricsListener}.)
     */
    public CoordinatorServer(ServerBuilder<?> builder, Mlp model, Dataset train, TrainingConfig config, CoordinatorSettings settings,
            CoordinatorMetrics metrics) {
        this(builder, model, train, config, settings, Clock.systemUTC(), metrics);
    }

    /** As above, with the clock that times the workers' last signs of life. */
    public CoordinatorServer(ServerBuilder<?> builder, Mlp model, Dataset train, TrainingConfig config, CoordinatorSettings settings,
            Clock clock, CoordinatorMetrics metrics) {
        this(builder, model, train, config, settings, clock, metrics, Timeline.off());
    }

    /**
     * As above, recording the training thread's waits, the event loop's work and idleness and each
     * session's receipt of every gradient in {@code timeline} (see the README's "The run timeline").
     */
    public CoordinatorServer(ServerBuilder<?> builder, Mlp model, Dataset train, TrainingConfig config, CoordinatorSettings settings,
            Clock clock, CoordinatorMetrics metrics, Timeline timeline) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.model = model;
        this.settings = settings;
        this.run = RunDescription.of(model, train.requireFeatures(model.spec().inputs()), config);
        WeightsSender weights = new WeightsSender(List.copyOf(model.namedParameters().keySet()), settings.chunkBytes(),
                System::nanoTime);
        Track loopTrack = timeline.track("event loop");
        this.state = new RunState(settings, model.parameters(), weights, id -> Messages.welcome(id, run, settings, System.nanoTime()),
                clock, e -> workerEvents.accept(e), metrics, loopTrack);
        this.loop = new CoordinatorLoop(state, tickOf(settings), bug -> workerEvents.accept("coordinator bug: " + bug), loopTrack);
        metrics.activeWorkersFrom(state::liveCount);
        this.executor = new RemoteShardExecutor(loop, state, settings, metrics, timeline);
        this.service = new CoordinatorService(run, settings, loop, metrics, workerTimes, timeline);
        this.server = builder.addService(service)
                .intercept(new RefusedCalls(metrics)) // added last, so it runs first: it sees what the token interceptor refuses
                // the session checks the coordinator's own, lower limit and answers RESOURCE_EXHAUSTED naming both sizes
                .maxInboundMessageSize(CoordinatorService.transportMessageLimit(settings.maxInboundMessageSize()))
                // calls run on the transport's own threads: no handler blocks (a session parses, checks and
                // posts to the loop; an outbox writes under its short monitor), and a message costs no
                // hand-off to another thread (-18 % coordinator CPU per step, bench/coordinator-scaling)
                .directExecutor()
                .build();
    }

    /** A plaintext TCP server builder for {@code host}:{@code port} (port 0 picks a free port). */
    public static ServerBuilder<?> tcp(String host, int port) {
        return tcp(host, port, ServerSecurity.plaintext());
    }

    /**
     * A TCP server builder for {@code host}:{@code port} (port 0 picks a free port) with
     * {@code security}'s credentials and, when it requires a token, its interceptor on every service;
     * its flow-control window is {@link Transport#FLOW_CONTROL_WINDOW_BYTES}.
     */
    public static ServerBuilder<?> tcp(String host, int port, ServerSecurity security) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), security.credentials())
                .flowControlWindow(Transport.FLOW_CONTROL_WINDOW_BYTES);
        security.interceptor().ifPresent(builder::intercept);
        return builder;
    }

    /** The loop's tick: a tenth of the heartbeat timeout, at least 10 ms, so silent workers go within 10 % of it. */
    private static Duration tickOf(CoordinatorSettings settings) {
        Duration tenth = settings.heartbeatTimeout().dividedBy(10);
        return tenth.compareTo(MIN_TICK) < 0 ? MIN_TICK : tenth;
    }

    /**
     * Makes this the leader of a partitioned run ({@code setup}): the parameters live in
     * {@code setup.partitions()} partitions hosted by workers, placed at the first step on the first
     * workers that offer a partition address; this server keeps the sessions, the data order, the
     * step counter and the assignments, and takes every step's weights from the partitions into the
     * model, so that evaluations and the saved weights are the run's. The optimiser the trainer is
     * given takes no step: its state is not the run's. The leader reaches the partitions over
     * {@code channels} (a new channel to an address, "host:port", with the security the workers'
     * partitions check). Call before {@link #start}; returns this server.
     *
     * @throws IllegalStateException when the server has started
     */
    public synchronized CoordinatorServer partitioned(PartitionSetup setup, Function<String, ManagedChannel> channels) {
        if (started) {
            throw new IllegalStateException("partitioned() after start()");
        }
        PartitionLeader leader = new PartitionLeader(setup);
        state.partitioned(leader);
        service.partitioned(true);
        follower = new PartitionFollower(leader::placement, model, settings.receiveTimeout(), channels);
        executor.partitioned(follower, leader);
        return this;
    }

    /** Starts the event loop and serving; returns this server. */
    public synchronized CoordinatorServer start() throws IOException {
        loop.start();
        started = true;
        server.start();
        return this;
    }

    /**
     * Sends {@code listener} one line for every worker lost during the run and every worker that joins
     * after the first step, e.g. "worker 1 (host-b/pid-7) closed its stream during step 17 before
     * sending shard 1; reassigned shard 1 to worker 0 (host-a/pid-3)". It is called on the
     * coordinator's event loop, which it must not hold up; returns this server.
     */
    public CoordinatorServer onWorkerEvent(Consumer<String> listener) {
        this.workerEvents = Objects.requireNonNull(listener, "listener");
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

    /** The meters this server records in; give them to the trainer too, through a {@link MetricsListener}. */
    public CoordinatorMetrics metrics() {
        return metrics;
    }

    /** Each worker's compute and communication time as its heartbeats report them. */
    public WorkerTimes workerTimes() {
        return workerTimes;
    }

    /** How many workers are live now. */
    int liveWorkers() {
        return state.liveCount();
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
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        loop.post(new RunEvent.Closing(run.totalSteps(), stopped));
        try {
            if (started) {
                stopped.get(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the loop did not answer: the server's shutdown below ends the sessions anyway
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
        } finally {
            loop.close();
            if (follower != null) {
                follower.close();
            }
        }
    }
}
