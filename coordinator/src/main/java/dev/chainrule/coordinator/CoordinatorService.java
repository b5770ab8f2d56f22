package dev.chainrule.coordinator;

import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.data.Excerpt;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.Join;
import dev.chainrule.wire.GradientCompression;
import dev.chainrule.wire.ReceivedMessage;
import dev.chainrule.wire.SessionMethod;
import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import java.net.SocketAddress;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code Coordinator} gRPC service: each {@code Session} call becomes a {@link WorkerSession}
 * that has the worker admitted (Join → Welcome) and takes its gradients and heartbeats. A Join is
 * checked in two passes, as every message is: first that it is well-formed (INVALID_ARGUMENT
 * otherwise), then that it fits the run (FAILED_PRECONDITION for another protocol version, data set,
 * kernel or model), here; then the event loop admits it, or refuses it (NOT_FOUND for a previous
 * worker id never given out; RESOURCE_EXHAUSTED when no worker is wanted).
 * {@code Session} is served under {@link SessionMethod#serverDescriptor}, so that bytes that are not a
 * WorkerMessage, or too many of them, reach the session as a {@link ReceivedMessage} it rejects like
 * any other bad message. Thread-safe; gRPC calls it on its own threads.
 */
public final class CoordinatorService implements BindableService {
    /**
     * The transport's limit on an inbound message: 4 × the coordinator's own limit, at least 4 MiB
     * and at most 16 MiB. A message between the two reaches the session, which answers
     * RESOURCE_EXHAUSTED naming both sizes; one beyond this is refused by grpc-java before the
     * session sees it (see {@code training.proto} for what the worker gets). The bound is memory:
     * grpc-java gathers a whole message in the stream's buffers before it is handed on, so every
     * stream may hold this many bytes at once.
     */
    static int transportMessageLimit(int coordinatorLimit) {
        return (int) Math.min(16L << 20, Math.max(4L << 20, 4L * coordinatorLimit));
    }

    /** What {@code Join.data_fingerprint} looks like. */
    private static final Pattern FINGERPRINT = Pattern.compile("sha256:[0-9a-f]{64}");

    private final RunDescription run;
    private final CoordinatorSettings settings;
    private final CoordinatorLoop loop;
    private final CoordinatorMetrics metrics;
    private final WorkerTimes workerTimes;
    private final Timeline timeline;
    private final Map<String, Shape> shapes;
    private final Map<String, Integer> indices;
    private volatile boolean partitioned;

    CoordinatorService(RunDescription run, CoordinatorSettings settings, CoordinatorLoop loop, CoordinatorMetrics metrics) {
        this(run, settings, loop, metrics, new WorkerTimes(), Timeline.off());
    }

    /**
     * As above, recording each worker's compute and communication time from its heartbeats in
     * {@code workerTimes}, and each session's receipt of every parameter's gradient in {@code timeline}.
     */
    CoordinatorService(RunDescription run, CoordinatorSettings settings, CoordinatorLoop loop, CoordinatorMetrics metrics,
            WorkerTimes workerTimes, Timeline timeline) {
        this.timeline = timeline;
        this.metrics = metrics;
        this.workerTimes = workerTimes;
        this.run = run;
        this.settings = settings;
        this.loop = loop;
        this.shapes = Collections.unmodifiableMap(Mlp.parameterShapes(run.spec()));
        Map<String, Integer> positions = new HashMap<>();
        shapes.keySet().forEach(name -> positions.put(name, positions.size()));
        this.indices = Map.copyOf(positions);
    }

    /** Makes this a partitioned run's service: gradients on a session are refused, partition reports taken. */
    void partitioned(boolean value) {
        this.partitioned = value;
    }

    /** Whether the run is partitioned. */
    boolean partitioned() {
        return partitioned;
    }

    /** {@code Session}, its requests read by {@link SessionMethod#serverDescriptor} with the coordinator's message limit. */
    @Override
    public ServerServiceDefinition bindService() {
        return ServerServiceDefinition.builder(CoordinatorGrpc.SERVICE_NAME)
                .addMethod(SessionMethod.serverDescriptor(messageLimit()), this::startSession)
                .build();
    }

    /** Starts {@code call} as a {@link WorkerSession} that knows its peer's address, for the log. */
    private ServerCall.Listener<ReceivedMessage> startSession(ServerCall<ReceivedMessage, byte[]> call, Metadata headers) {
        SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return ServerCalls.<ReceivedMessage, byte[]>asyncBidiStreamingCall(
                responses -> new WorkerSession(this, (ServerCallStreamObserver<byte[]>) responses, peer))
                .startCall(call, headers);
    }

    /** Checks {@code join} against the run: everything but what the event loop decides (room, a previous worker id). */
    void checkJoin(Join join) throws ProtocolException {
        if (join.getWorkerName().isBlank()) {
            throw ProtocolException.invalid("Join.worker_name is empty (expected: a name for logs, e.g. host/pid)");
        }
        String who = "worker '" + Excerpt.of(join.getWorkerName()) + "'";
        if (join.getProtocolVersion() == 0) {
            throw ProtocolException.invalid(who + ": Join.protocol_version is missing (expected: " + SessionMethod.PROTOCOL_VERSION
                    + ")");
        }
        if (join.getProtocolVersion() != SessionMethod.PROTOCOL_VERSION) {
            throw ProtocolException.precondition(who + " speaks protocol version " + join.getProtocolVersion()
                    + " (expected: " + SessionMethod.PROTOCOL_VERSION + ")");
        }
        if (join.getTrainSamples() <= 0 || join.getFeatures() <= 0) {
            throw ProtocolException.invalid(who + ": Join.train_samples " + join.getTrainSamples() + ", Join.features "
                    + join.getFeatures() + " (expected: both > 0, the size and width of the worker's training set)");
        }
        if (!FINGERPRINT.matcher(join.getDataFingerprint()).matches()) {
            throw ProtocolException.invalid(who + ": Join.data_fingerprint '" + Excerpt.of(join.getDataFingerprint()) + "'"
                    + " (expected: \"sha256:\" and 64 lowercase hex digits, the SHA-256 of the worker's training set)");
        }
        if (join.getKernel().isBlank()) {
            throw ProtocolException.invalid(who + ": Join.kernel is missing (expected: the worker's matrix-product kernel, e.g. '"
                    + Kernels.PORTABLE + "')");
        }
        ModelSpec spec = join.getModelSpec().isEmpty() ? null : parseSpec(join.getModelSpec(), who);
        Activation activation = join.getActivation().isEmpty() ? null : parseActivation(join.getActivation(), who);

        if (join.getTrainSamples() != run.trainSamples()) {
            throw ProtocolException.precondition(who + " has " + join.getTrainSamples()
                    + " training samples but the coordinator's training set has " + run.trainSamples());
        }
        if (join.getFeatures() != run.features()) {
            throw ProtocolException.precondition(who + "'s samples have " + join.getFeatures()
                    + " features but the coordinator's have " + run.features());
        }
        if (!join.getDataFingerprint().equals(run.dataFingerprint())) {
            throw ProtocolException.precondition(who + "'s training set (" + describeSource(join.getDataSource()) + ") has fingerprint "
                    + join.getDataFingerprint() + " but the coordinator's (" + run.dataSource() + ") has " + run.dataFingerprint()
                    + ": the copies differ (expected: the same files on every worker)");
        }
        if (run.requiredKernel().isPresent() && !run.requiredKernel().get().equals(join.getKernel())) {
            throw ProtocolException.precondition(who + " computes with '" + Excerpt.of(join.getKernel()) + "' but this run"
                    + " computes with " + run.requiredKernel().get() + " (the portable kernel mode), whose bits are the same on every"
                    + " x86-64 CPU with AVX2 and FMA (expected: a worker started with --kernel portable on such"
                    + " a CPU; or run the coordinator with --kernel native to accept any kernel, giving up bits that do not"
                    + " depend on the CPU)");
        }
        if (spec != null && !spec.equals(run.spec())) {
            throw ProtocolException.precondition(who + " expects model " + spec + " but the coordinator trains " + run.spec());
        }
        if (activation != null && activation != run.activation()) {
            throw ProtocolException.precondition(who + " expects activation " + activation + " but the coordinator's model uses "
                    + run.activation());
        }
    }

    /** Where sessions post what their workers sent. */
    CoordinatorLoop loop() {
        return loop;
    }

    /** Where sessions record the times that workers' heartbeats report. */
    WorkerTimes workerTimes() {
        return workerTimes;
    }

    /** Where sessions count gradient bytes and rejected messages. */
    Timeline timeline() {
        return timeline;
    }

    CoordinatorMetrics metrics() {
        return metrics;
    }

    /** The position of parameter {@code name} in the model's order. */
    int parameterIndex(String name) {
        return indices.get(name);
    }

    /** The names and shapes of the model's parameters, in order: what every shard gradient must hold. */
    Map<String, Shape> parameterShapes() {
        return shapes;
    }

    /** The most element bytes a tensor chunk may carry. */
    int chunkBytes() {
        return settings.chunkBytes();
    }

    /** How the run's workers encode their gradients. */
    GradientCompression compression() {
        return settings.compression();
    }

    /** The largest WorkerMessage the coordinator accepts, in bytes: one chunk and its overhead. */
    int messageLimit() {
        return settings.maxInboundMessageSize();
    }

    private static String describeSource(String source) {
        return source.isBlank() ? "source not given" : "'" + Excerpt.of(source) + "'";
    }

    private static ModelSpec parseSpec(String text, String who) throws ProtocolException {
        try {
            return ModelSpec.parse(text);
        } catch (IllegalArgumentException e) {
            throw ProtocolException.invalid(who + ": Join.model_spec: " + e.getMessage());
        }
    }

    private static Activation parseActivation(String text, String who) throws ProtocolException {
        try {
            return Activation.parse(text);
        } catch (IllegalArgumentException e) {
            throw ProtocolException.invalid(who + ": Join.activation: " + e.getMessage());
        }
    }
}
