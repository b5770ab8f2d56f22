package dev.chainrule.worker;

import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.autodiff.Workspace;
import dev.chainrule.data.Dataset;
import dev.chainrule.metrics.WorkerMetrics;
import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.Heartbeat;
import dev.chainrule.proto.v1.Join;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.StepAssignment;
import dev.chainrule.proto.v1.Stop;
import dev.chainrule.proto.v1.Welcome;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.LocalShardExecutor;
import dev.chainrule.train.ShardThreads;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.proto.v1.PartitionPlan;
import dev.chainrule.wire.CallStream;
import dev.chainrule.wire.CallStreamException;
import dev.chainrule.wire.GradientCompression;
import dev.chainrule.wire.GradientEncoder;
import dev.chainrule.wire.Transport;
import dev.chainrule.wire.WeightsAssembly;
import dev.chainrule.wire.WireFormatException;
import dev.chainrule.wire.SessionMethod;
import dev.chainrule.wire.WireFormatException;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.Channel;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A data-parallel worker: joins the coordinator's run over one {@code Session} stream, loads the
 * weights it is sent into its one model, parameter by parameter as they come (each labelled with its
 * step), and for every assignment computes each shard's gradient exactly as
 * {@link LocalShardExecutor#shardGradient} does on its own copy of the training set, streaming each
 * parameter's gradient back in chunks as soon as backward has produced it (the last layer's first), so
 * that sending overlaps the rest of backward. A shard is computed only when every parameter holds its
 * step's weights. An assignment of several shards is computed on up to {@code threads} threads at once
 * ({@link ShardThreads}), and each shard is sent whole, in the assignment's order, as soon as it and the
 * ones before it are done; the bits are those of one thread. A step may bring more than one assignment
 * (the coordinator hands over the shards of a worker it lost): each is computed with the step's
 * weights, in the order they arrive. A worker
 * that joins a run in progress starts from the first weights it is sent, whatever their step. A
 * heartbeat goes out every {@code heartbeat_interval_millis} from a daemon thread while the session
 * is open; the coordinator drops a worker it hears nothing from for its heartbeat timeout.
 *
 * <p>Lifecycle: construct, then {@link #run} once, on a thread of the caller's choosing; it returns
 * when the coordinator sends Stop. Every wait for the coordinator is bounded: by the connect timeout
 * until the Welcome (the coordinator may start after the worker, within that time), then by the
 * Welcome's {@code receive_timeout_millis}. {@link #stats} may be read
 * from any thread. The channel belongs to the caller, who shuts it down.
 */
public final class Worker {
    private final Channel channel;
    private final Dataset train;
    private final String name;
    private final Duration connectTimeout;
    private final WorkerMetrics metrics;
    private final Runnable onWelcome;
    private final WorkerTimeline timeline;
    private final int threads;
    private final AtomicBoolean started = new AtomicBoolean();
    /** How the worker takes part in a partitioned run; reach-only plaintext channels unless set. */
    private PartitionAccess partitionAccess = PartitionAccess.reachOnly(Worker::plaintextChannel);
    /** The worker's side of a partitioned run, once its PartitionPlan arrived; null otherwise. */
    private PartitionedSteps partitioned;
    /** The buffers of one shard's graph and gradients, recycled from shard to shard. */
    private final Workspace workspace = new Workspace();
    // written by the run() thread only; read by stats() and the heartbeat thread
    private volatile long steps;
    private volatile long shards;
    private volatile long samples;
    private volatile long computeNanos;
    private volatile long communicationNanos;
    private volatile long currentStep;

    /**
     * A worker that trains on {@code train} (its own copy of the coordinator's training set) and
     * talks over {@code channel}; {@code name} identifies it in the coordinator's logs, and
     * {@code connectTimeout} bounds each wait before the Welcome arrives.
     */
    public Worker(Channel channel, Dataset train, String name, Duration connectTimeout) {
        this(channel, train, name, connectTimeout, WorkerMetrics.disabled());
    }

    /**
     * As above, recording in {@code metrics} each shard's compute time and samples, and after each
     * assignment (and at Stop) the communication time since the previous one; their sums are
     * {@link #stats}' compute and communication times.
     */
    public Worker(Channel channel, Dataset train, String name, Duration connectTimeout, WorkerMetrics metrics) {
        this(channel, train, name, connectTimeout, metrics, () -> { }, Timeline.off(), 1);
    }

    /**
     * As above, computing up to {@code threads} shards of an assignment at once, and recording each
     * shard's forward and backward passes (on one thread), each gradient ready and sent, and each wait
     * for the coordinator in {@code timeline}, whose clock offset to the coordinator it measures (see
     * the README's "The run timeline").
     */
    public Worker(Channel channel, Dataset train, String name, Duration connectTimeout, WorkerMetrics metrics, Timeline timeline,
            int threads) {
        this(channel, train, name, connectTimeout, metrics, () -> { }, timeline, threads);
    }

    /** As above, calling {@code onWelcome} on the {@link #run} thread when the coordinator's Welcome arrives. */
    Worker(Channel channel, Dataset train, String name, Duration connectTimeout, WorkerMetrics metrics, Runnable onWelcome,
            Timeline timeline, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads : " + threads + " (expected: >= 1)");
        }
        this.threads = threads;
        this.timeline = new WorkerTimeline(timeline);
        this.onWelcome = Objects.requireNonNull(onWelcome, "onWelcome");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.train = Objects.requireNonNull(train, "train");
        this.name = Objects.requireNonNull(name, "name");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name : '" + name + "' (expected: not blank)");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout : " + connectTimeout + " (expected: > 0)");
        }
    }

    /**
     * How this worker reaches the partitions of a partitioned run and whether it offers to host one
     * ({@link PartitionAccess}); call before {@link #run}. Returns this worker.
     */
    public Worker partitionAccess(PartitionAccess access) {
        this.partitionAccess = Objects.requireNonNull(access, "access");
        return this;
    }

    /**
     * Takes part in the run until the coordinator sends Stop.
     *
     * @throws WorkerException when a wait times out (naming the step waited for), when the stream
     *     fails (with the status' description), or when the coordinator breaks the protocol
     * @throws IllegalStateException when called a second time
     */
    public WorkerResult run() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("Worker.run() was already called; a worker takes part in one session");
        }
        CallStream<WorkerMessage, CoordinatorMessage> stream = new CallStream<>("session", "the coordinator");
        // wait-for-ready: a worker may start before its coordinator; sending the Join waits at most the connect timeout
        ClientCalls.asyncBidiStreamingCall(channel.newCall(SessionMethod.DESCRIPTOR, CallOptions.DEFAULT.withWaitForReady()), stream);
        try {
            return session(stream);
        } catch (ProtocolViolation e) {
            String message = "the coordinator broke the protocol: " + e.getMessage();
            stream.cancel(message, null);
            throw new WorkerException(message);
        } catch (CallStreamException e) {
            stream.cancel("worker " + name + " failed: " + e.getMessage(), e);
            throw new WorkerException(e.getMessage(), e.getCause());
        } catch (RuntimeException e) {
            stream.cancel("worker " + name + " failed: " + e.getMessage(), e);
            throw e;
        }
    }

    /** What the worker has done so far. */
    public WorkerStats stats() {
        return new WorkerStats(steps, shards, samples, Duration.ofNanos(computeNanos), Duration.ofNanos(communicationNanos));
    }

    private WorkerResult session(CallStream<WorkerMessage, CoordinatorMessage> stream) throws ProtocolViolation {
        WorkerMessage join = WorkerMessage.newBuilder().setJoin(Join.newBuilder()
                .setWorkerName(name)
                .setProtocolVersion(SessionMethod.PROTOCOL_VERSION)
                .setTrainSamples(train.size())
                .setFeatures(train.features())
                .setDataFingerprint(train.fingerprint())
                .setDataSource(train.source())
                .setKernel(Kernels.active())
                .setPartitionAddress(partitionAccess.address())).build();
        long joinSent = timeline.track().now();
        stream.send(join, connectTimeout, "Join");
        CoordinatorMessage first = stream.take(connectTimeout, "the Welcome");
        long welcomed = timeline.track().now();
        if (first.hasStop()) {
            return stopped(stream, -1, first.getStop());
        }
        if (!first.hasWelcome()) {
            throw new ProtocolViolation("the first message is " + kind(first) + " (expected: welcome)");
        }
        onWelcome.run();
        Welcome welcome = first.getWelcome();
        timeline.welcomed(joinSent, welcome, name, welcomed);
        Mlp model = Mlp.initialized(spec(welcome), activation(welcome), 0);
        long heartbeatMillis = positive(welcome.getConfig().getHeartbeatIntervalMillis(), "heartbeat_interval_millis");
        Duration receiveTimeout = Duration.ofMillis(positive(welcome.getConfig().getReceiveTimeoutMillis(), "receive_timeout_millis"));
        int chunkBytes = welcome.getConfig().getChunkBytes();
        if (chunkBytes < 8) {
            throw new ProtocolViolation("Welcome.config.chunk_bytes " + chunkBytes + " (expected: >= 8)");
        }
        GradientEncoder encoder = new GradientEncoder(compression(welcome), chunkBytes);
        ScheduledExecutorService heartbeats = startHeartbeats(stream, heartbeatMillis);
        try (ShardThreads shardThreads = new ShardThreads(threads)) {
            return loop(stream, welcome, model, receiveTimeout, encoder, shardThreads);
        } finally {
            heartbeats.shutdownNow();
            if (partitioned != null) {
                partitioned.close();
            }
        }
    }

    private WorkerResult loop(CallStream<WorkerMessage, CoordinatorMessage> stream, Welcome welcome, Mlp model, Duration receiveTimeout,
            GradientEncoder encoder, ShardThreads shardThreads) throws ProtocolViolation {
        int workerId = welcome.getWorkerId();
        long started = System.nanoTime();
        WeightsAssembly weights = new WeightsAssembly(model.namedParameters(), model.namedParameters());
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        long lastStepWithShards = -1;
        long recordedCommunication = 0;
        PlanAwaitingState awaitingState = null;
        while (true) {
            String waitingFor = awaitingState != null ? awaitingState.missing() : weights.inProgress()
                    ? "the rest of the weights of " + weights.receiving() : "the weights or the assignment of step " + currentStep;
            long waitStart = timeline.track().now();
            CoordinatorMessage message = stream.take(receiveTimeout, waitingFor);
            timeline.waited(waitStart, currentStep);
            switch (message.getKindCase()) {
                case WEIGHTS -> {
                    if (awaitingState != null) {
                        awaitingState.accept(message.getWeights());
                        if (awaitingState.complete()) {
                            startPartitioned(stream, awaitingState.plan(), awaitingState.state(), welcome, model, encoder, receiveTimeout);
                            awaitingState = null;
                        }
                        continue;
                    }
                    timeline.weights(message.getWeights(), timeline.track().now());
                    try {
                        weights.accept(message.getWeights());
                    } catch (WireFormatException e) {
                        throw new ProtocolViolation(e.getMessage());
                    }
                }
                case ASSIGNMENT -> {
                    StepAssignment assignment = message.getAssignment();
                    long step = assignment.getStep();
                    if (weights.inProgress() || awaitingState != null) {
                        throw new ProtocolViolation("the assignment of step " + step + " came while the worker waited for " + waitingFor);
                    }
                    if (partitioned != null) {
                        if (assignment.getShardsCount() > 0) {
                            partitioned.awaitStep(step, receiveTimeout);
                        }
                    } else {
                        List<String> behind = weights.notAt(step);
                        if (assignment.getShardsCount() > 0 && !behind.isEmpty()) {
                            throw new ProtocolViolation("the assignment of step " + step + " came before its weights of " + behind);
                        }
                    }
                    // a further assignment of the same step is fine: shards the coordinator took from a lost worker
                    currentStep = step;
                    timeline.assigned(step);
                    if (shardThreads.threads() > 1 && assignment.getShardsCount() > 1) {
                        computeSideBySide(stream, model, names, step, assignment.getShardsList(), encoder, receiveTimeout, shardThreads);
                    } else {
                        for (Shard shard : assignment.getShardsList()) {
                            computeAndSend(stream, model, names, step, shard, encoder, receiveTimeout);
                        }
                    }
                    if (assignment.getShardsCount() > 0 && step != lastStepWithShards) {
                        lastStepWithShards = step;
                        steps++;
                    }
                    currentStep = step + 1;
                }
                case PARTITION_PLAN -> {
                    if (partitioned != null || awaitingState != null) {
                        throw new ProtocolViolation("a second PartitionPlan");
                    }
                    PartitionPlan plan = message.getPartitionPlan();
                    if (plan.getHosted() >= 0 && !weights.notAt(plan.getStep()).isEmpty()) {
                        throw new ProtocolViolation("the PartitionPlan came before the weights of step " + plan.getStep() + " of "
                                + weights.notAt(plan.getStep()));
                    }
                    if (plan.getHosted() >= 0 && plan.getOptimizerStepCount() > 0) {
                        awaitingState = new PlanAwaitingState(plan, model);
                    } else {
                        startPartitioned(stream, plan, null, welcome, model, encoder, receiveTimeout);
                    }
                }
                case PARTITION_STEP -> {
                    if (partitioned == null) {
                        throw new ProtocolViolation("a PartitionStep before the PartitionPlan");
                    }
                    partitioned.open(message.getPartitionStep());
                }
                case STOP -> {
                    if (partitioned != null) {
                        partitioned.stop(message.getStop().getReason(), message.getStop().getFinished());
                    }
                    communicationNanos = System.nanoTime() - started - computeNanos;
                    metrics.communication(communicationNanos - recordedCommunication);
                    return stopped(stream, workerId, message.getStop());
                }
                default -> throw new ProtocolViolation("unexpected " + kind(message) + " while the worker waited for " + waitingFor);
            }
            communicationNanos = System.nanoTime() - started - computeNanos;
            if (message.hasAssignment()) {
                metrics.communication(communicationNanos - recordedCommunication);
                recordedCommunication = communicationNanos;
            }
        }
    }

    /** Takes part in the partitioned run {@code plan} describes; a host's partition starts from {@code state} (null: a new optimiser). */
    private void startPartitioned(CallStream<WorkerMessage, CoordinatorMessage> stream, PartitionPlan plan, OptimizerState state,
            Welcome welcome, Mlp model, GradientEncoder encoder, Duration receiveTimeout) throws ProtocolViolation {
        partitioned = PartitionedSteps.start(plan, state, model, welcome.getConfig().getShards(), partitionAccess, name,
                encoder.compression(), welcome.getConfig().getChunkBytes(),
                report -> stream.send(report, receiveTimeout, "a report of the hosted partition"), metrics, receiveTimeout, stream::ended);
    }

    /**
     * Computes shard {@code shard}'s gradient and streams it as backward produces it, each parameter's
     * gradient sent from the shard's recycled buffers before they are reused.
     */
    private void computeAndSend(CallStream<WorkerMessage, CoordinatorMessage> stream, Mlp model, List<String> names, long step, Shard shard,
            GradientEncoder encoder,
            Duration timeout) throws ProtocolViolation {
        int[] indices = sampleIndices(step, shard);
        ShardOutlet outlet = outlet(stream, names, step, shard.getIndex(), indices.length, encoder, timeout);
        try (Workspace.Scope ignored = workspace.open()) {
            long start = System.nanoTime();
            LocalShardExecutor.shardGradient(model, train, indices, outlet);
            outlet.finished();
            long computed = System.nanoTime() - start - outlet.sendingNanos();
            computeNanos += computed;
            metrics.computed(indices.length, computed);
        }
        shards++;
        samples += indices.length;
    }

    /**
     * Computes the shards side by side and sends each whole (its last layer's gradient first, as
     * backward finishes them), in the given order, while the later ones are still being computed.
     */
    private void computeSideBySide(CallStream<WorkerMessage, CoordinatorMessage> stream, Mlp model, List<String> names, long step,
            List<Shard> assigned,
            GradientEncoder encoder, Duration timeout, ShardThreads shardThreads) throws ProtocolViolation {
        int[][] indices = new int[assigned.size()][];
        int total = 0;
        for (int i = 0; i < indices.length; i++) {
            indices[i] = sampleIndices(step, assigned.get(i));
            total += indices[i].length;
        }
        long[] sendingNanos = new long[1];
        try (Workspace.Scope ignored = workspace.open()) {
            long start = System.nanoTime();
            shardThreads.run(indices.length, i -> LocalShardExecutor.shardGradient(model, train, indices[i]), (i, gradient) -> {
                // on this thread, in shard order: the timeline's track is this thread's
                ShardOutlet outlet = outlet(stream, names, step, assigned.get(i).getIndex(), indices[i].length, encoder, timeout);
                for (int p = gradient.gradients().size() - 1; p >= 0; p--) {
                    outlet.ready(p, gradient.gradients().get(p), gradient.lossSum());
                }
                sendingNanos[0] += outlet.sendingNanos();
            });
            long computed = System.nanoTime() - start - sendingNanos[0];
            computeNanos += computed;
            metrics.computed(total, computed);
        }
        shards += indices.length;
        samples += total;
    }

    /** Where shard {@code shard}'s gradient goes: to the partitions in a partitioned run, otherwise on the session. */
    private ShardOutlet outlet(CallStream<WorkerMessage, CoordinatorMessage> stream, List<String> names, long step, int shard, int samples,
            GradientEncoder encoder, Duration timeout) {
        return partitioned != null ? partitioned.sender(step, shard, samples, encoder, timeout)
                : new ShardSender(stream, names, step, shard, samples, encoder, timeout, timeline);
    }

    private int[] sampleIndices(long step, Shard shard) throws ProtocolViolation {
        if (shard.getSampleIndicesCount() == 0) {
            throw new ProtocolViolation("shard " + shard.getIndex() + " of step " + step + " has no samples");
        }
        int[] indices = new int[shard.getSampleIndicesCount()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = shard.getSampleIndices(i);
            if (indices[i] < 0 || indices[i] >= train.size()) {
                throw new ProtocolViolation("shard " + shard.getIndex() + " of step " + step + ": sample index " + indices[i]
                        + " (expected: 0 <= index < " + train.size() + ")");
            }
        }
        return indices;
    }

    private ScheduledExecutorService startHeartbeats(CallStream<WorkerMessage, CoordinatorMessage> stream, long intervalMillis) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "chainrule-heartbeat-" + name);
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleAtFixedRate(() -> {
            try {
                stream.offer(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(currentStep)
                        .setComputeNanos(computeNanos).setCommunicationNanos(communicationNanos)).build());
            } catch (RuntimeException e) {
                // a heartbeat that cannot be written is skipped; the session's own calls report the failure
            }
        }, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        return executor;
    }

    private WorkerResult stopped(CallStream<WorkerMessage, CoordinatorMessage> stream, int workerId, Stop stop) {
        stream.complete();
        return new WorkerResult(workerId, stop.getFinished(), stop.getReason(), stats());
    }

    private ModelSpec spec(Welcome welcome) throws ProtocolViolation {
        ModelSpec spec;
        try {
            spec = ModelSpec.parse(welcome.getModelSpec());
        } catch (IllegalArgumentException e) {
            throw new ProtocolViolation("Welcome.model_spec: " + e.getMessage());
        }
        if (spec.inputs() != train.features()) {
            throw new ProtocolViolation("the model " + spec + " takes " + spec.inputs() + " inputs but the worker's samples have "
                    + train.features() + " features");
        }
        return spec;
    }

    private static GradientCompression compression(Welcome welcome) throws ProtocolViolation {
        try {
            return GradientCompression.fromProto(welcome.getConfig().getGradientCompression());
        } catch (WireFormatException e) {
            throw new ProtocolViolation("Welcome.config.gradient_compression: " + e.getMessage());
        }
    }

    private static Activation activation(Welcome welcome) throws ProtocolViolation {
        try {
            return Activation.parse(welcome.getActivation());
        } catch (IllegalArgumentException e) {
            throw new ProtocolViolation("Welcome.activation: " + e.getMessage());
        }
    }

    private static long positive(long value, String field) throws ProtocolViolation {
        if (value <= 0) {
            throw new ProtocolViolation("Welcome.config." + field + " " + value + " (expected: > 0)");
        }
        return value;
    }

    private static String kind(CoordinatorMessage message) {
        return message.getKindCase().name().toLowerCase(Locale.ROOT);
    }

    /** A plaintext channel to {@code address}: how a worker given no {@link PartitionAccess} reaches partitions. */
    private static ManagedChannel plaintextChannel(String address) {
        return NettyChannelBuilder.forTarget(address).usePlaintext().flowControlWindow(Transport.FLOW_CONTROL_WINDOW_BYTES).build();
    }
}
