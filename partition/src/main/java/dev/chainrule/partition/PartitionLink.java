package dev.chainrule.partition;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.proto.v1.PartitionAttach;
import dev.chainrule.proto.v1.PartitionAttached;
import dev.chainrule.proto.v1.PartitionDownload;
import dev.chainrule.proto.v1.PartitionGrpc;
import dev.chainrule.proto.v1.PartitionState;
import dev.chainrule.proto.v1.PartitionUpload;
import dev.chainrule.proto.v1.PieceRange;
import dev.chainrule.train.partition.ParameterPartitions;
import dev.chainrule.train.partition.Piece;
import dev.chainrule.wire.CallStream;
import dev.chainrule.wire.CallStreamException;
import dev.chainrule.wire.Durations;
import dev.chainrule.wire.StatusDescriptions;
import dev.chainrule.wire.WeightsAssembly;
import dev.chainrule.wire.WireFormatException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLException;

/**
 * A worker's exchange with one coordinator partition: attaches, checks that the partition's pieces
 * are the ones the worker's plan gives it, sends the worker's pieces of its shards' gradients, and
 * writes the pieces' weights the partition sends straight into the model's parameters, each piece
 * into its range of its parameter (one copy per byte).
 *
 * <p>Weights are applied only when the worker asks for a step ({@link #awaitStep}), between shards,
 * never while a shard is computed: a partition may update before another has every shard of the step
 * (the leader then has a shard computed again, with the step's weights), and those newer weights wait
 * in the stream until the worker moves on. Not thread-safe: the worker's loop uses it.
 */
public final class PartitionLink {
    /** The first pause between two attachments to a process that hosts no partition, or does not listen, yet. */
    static final Duration RETRY_PAUSE = Duration.ofMillis(50);
    /** The longest pause between two attachments. */
    static final Duration MAX_RETRY_PAUSE = Duration.ofSeconds(1);

    private final int partition;
    private final CallStream<PartitionUpload, PartitionDownload> stream;
    private final List<Piece> pieces;
    private final Map<String, Tensor> parameters;
    /** Each piece's weights, written into its range of its parameter, and the optimiser state's buffers when asked for. */
    private WeightsAssembly weights;
    /** The optimiser state's buffers by {@code <piece>.<buffer>}, for a link that asked for them, or null. */
    private Map<String, Tensor> stateBuffers;
    private PartitionState stateHeader;

    private PartitionLink(int partition, CallStream<PartitionUpload, PartitionDownload> stream, List<Piece> pieces,
            Map<String, Tensor> parameters) {
        this.partition = partition;
        this.stream = stream;
        this.pieces = pieces;
        this.parameters = parameters;
    }

    /** Sets up the weights' destinations, and those of the optimiser state the partition announced in {@code state} (null: none). */
    private void expect(PartitionState state) {
        Map<String, Tensor> destinations = new LinkedHashMap<>();
        Map<String, Tensor> owners = new HashMap<>();
        for (Piece piece : pieces) {
            Tensor parameter = parameters.get(piece.parameterName());
            destinations.put(piece.name(), parameter.flatRange(piece.from(), piece.to()));
            owners.put(piece.name(), parameter);
        }
        if (state != null) {
            stateHeader = state;
            stateBuffers = new LinkedHashMap<>();
            for (Piece piece : pieces) {
                for (String buffer : state.getBuffersList()) {
                    String key = piece.name() + "." + buffer;
                    Tensor tensor = Tensor.lastingZeros(DType.FLOAT32, Shape.of(piece.length())).named(key);
                    stateBuffers.put(key, tensor);
                    if (destinations.put(key, tensor) != null) {
                        throw broke("announced the optimiser buffer '" + buffer + "', whose name repeats another (expected: unique"
                                + " names without '.')");
                    }
                    owners.put(key, tensor);
                }
            }
        }
        weights = new WeightsAssembly(destinations, owners);
    }

    /**
     * Opens the exchange with partition {@code partition} of {@code plan} over {@code channel}, attaches
     * as {@code workerName} training {@code modelSpec}, and waits for the partition's answer; the
     * weights that follow it are applied by {@link #awaitStep}. A process that serves the Partition
     * service but hosts no partition yet answers UNAVAILABLE ({@link PartitionService#NOT_HOSTED_YET}),
     * and one that does not listen yet refuses the connection: the attachment is tried again after
     * {@link #RETRY_PAUSE}, doubling up to {@link #MAX_RETRY_PAUSE}. A TLS handshake that fails (a
     * certificate not trusted, or one side without TLS) is not tried again. Everything together takes at
     * most {@code timeout}.
     *
     * @throws CallStreamException when the partition cannot be reached in time (naming the last
     *     failure), refuses, or answers against the contract (another partition, other pieces)
     */
    public static PartitionLink attach(Channel channel, int partition, ParameterPartitions plan, Map<String, Tensor> parameters,
            String workerName, String modelSpec, Duration timeout) {
        return attach(channel, 0, partition, plan, parameters, workerName, modelSpec, false, timeout);
    }

    /**
     * As above, to a partition of placement {@code placement} (PartitionPlan.placement); with
     * {@code includeState}, the partition also sends its optimiser state of the moment
     * its weights are from, which the first {@link #awaitStep} takes and {@link #state} then gives (a
     * reader that asks for the state, the leader writing a checkpoint, detaches after that one step:
     * later steps bring no state).
     */
    public static PartitionLink attach(Channel channel, long placement, int partition, ParameterPartitions plan,
            Map<String, Tensor> parameters, String workerName, String modelSpec, boolean includeState, Duration timeout) {
        return attach(channel, placement, partition, plan, parameters, workerName, modelSpec, includeState, timeout, () -> false);
    }

    /**
     * As above, giving up before another try once {@code abandoned} says so (the worker's session with
     * the coordinator ended while it attached), or once {@code channel} is shut down.
     */
    public static PartitionLink attach(Channel channel, long placement, int partition, ParameterPartitions plan,
            Map<String, Tensor> parameters, String workerName, String modelSpec, boolean includeState, Duration timeout,
            BooleanSupplier abandoned) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = RETRY_PAUSE.toNanos();
        while (true) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            try {
                return attachOnce(channel, placement, partition, plan, parameters, workerName, modelSpec, includeState, left);
            } catch (CallStreamException e) {
                Status status = e.getCause() == null ? null : Status.fromThrowable(e.getCause());
                if (status == null || status.getCode() != Status.Code.UNAVAILABLE) {
                    throw e;
                }
                String failure = StatusDescriptions.describe(status);
                if (handshakeFailed(status)) {
                    throw new CallStreamException("partition " + partition + " at " + channel.authority() + " cannot be reached: " + failure
                            + "; the TLS handshake failed (is its certificate issued by a CA this process trusts, and do both sides"
                            + " use TLS?)", e.getCause());
                }
                if (abandoned.getAsBoolean() || channel instanceof ManagedChannel managed && managed.isShutdown()) {
                    throw new CallStreamException("gave up attaching to partition " + partition + " at " + channel.authority()
                            + ", which was not reached (" + failure + "): "
                            + (abandoned.getAsBoolean() ? "the session it was for ended" : "its channel was shut down"), e.getCause());
                }
                if (deadline - System.nanoTime() < pause) {
                    throw new CallStreamException("partition " + partition + " at " + channel.authority() + " could not be reached within "
                            + Durations.describe(timeout) + ": " + failure, e.getCause());
                }
                try {
                    Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new CallStreamException("interrupted while attaching to partition " + partition);
                }
                pause = Math.min(pause * 2, MAX_RETRY_PAUSE.toNanos());
            }
        }
    }

    /** Whether {@code status} comes from a TLS handshake that failed, which waiting does not mend. */
    private static boolean handshakeFailed(Status status) {
        for (Throwable t = status.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    private static PartitionLink attachOnce(Channel channel, long placement, int partition, ParameterPartitions plan,
            Map<String, Tensor> parameters, String workerName, String modelSpec, boolean includeState, Duration timeout) {
        CallStream<PartitionUpload, PartitionDownload> stream = new CallStream<>("exchange", "partition " + partition);
        ClientCalls.asyncBidiStreamingCall(channel.newCall(PartitionGrpc.getExchangeMethod(), CallOptions.DEFAULT), stream);
        PartitionLink link = new PartitionLink(partition, stream, plan.pieces(partition), parameters);
        try {
            stream.send(PartitionUpload.newBuilder().setAttach(PartitionAttach.newBuilder().setWorkerName(workerName)
                    .setProtocolVersion(1).setPartition(partition).setPartitions(plan.partitions()).setModelSpec(modelSpec)
                    .setIncludeState(includeState).setPlacement(placement)).build(),
                    timeout, "PartitionAttach");
            PartitionDownload first = stream.take(timeout, "partition " + partition + "'s answer to PartitionAttach");
            if (!first.hasAttached()) {
                throw link.broke("answered PartitionAttach with " + first.getKindCase() + " (expected: attached)");
            }
            link.check(first.getAttached(), plan.pieces(partition));
            if (includeState != first.getAttached().hasState()) {
                throw link.broke(includeState ? "sent no optimiser state (expected: PartitionAttached.state, as asked)"
                        : "sent its optimiser state, which was not asked for");
            }
            link.expect(includeState ? first.getAttached().getState() : null);
            return link;
        } catch (RuntimeException e) {
            stream.cancel("the worker could not attach: " + e.getMessage(), null);
            throw e;
        }
    }

    private void check(PartitionAttached attached, List<Piece> expected) {
        List<String> theirs = new ArrayList<>();
        for (PieceRange range : attached.getPiecesList()) {
            theirs.add(range.getParameter() + "[" + range.getFrom() + ":" + range.getTo() + "]");
        }
        List<String> ours = expected.stream().map(Piece::name).toList();
        if (attached.getPartition() != partition || !theirs.equals(ours)) {
            throw broke("answered as partition " + attached.getPartition() + " with pieces "
                    + theirs + " (expected: partition " + partition + " with " + ours + ")");
        }
    }

    /** The partition's index. */
    public int partition() {
        return partition;
    }

    /**
     * Applies the weights the partition sent until every piece holds step {@code step}'s, waiting at
     * most {@code timeout} for each message. Messages of later steps stay in the stream for a later
     * call: a partition sends each step's weights after the step before's.
     *
     * @throws CallStreamException when a wait times out, the exchange ends, or the partition sends a
     *     malformed weights chunk or an unexpected message
     */
    public void awaitStep(long step, Duration timeout) {
        while (weights.inProgress() || !weights.notAt(step).isEmpty()) {
            PartitionDownload next = stream.take(timeout, "the weights of step " + step + " from partition " + partition);
            if (next.hasStop()) {
                throw new CallStreamException("partition " + partition + " stopped while the worker waited for the weights of step " + step
                        + ": " + next.getStop().getReason());
            }
            if (!next.hasWeights()) {
                throw broke("sent " + next.getKindCase() + " (expected: weights)");
            }
            if (next.getWeights().getStep() > step && !weights.inProgress()) {
                throw broke("sent the weights of step " + next.getWeights().getStep()
                        + " before every piece held those of step " + step + " (behind: " + weights.notAt(step) + ")");
            }
            try {
                weights.accept(next.getWeights());
            } catch (WireFormatException e) {
                throw broke(e.getMessage());
            }
        }
    }

    /**
     * The partition's optimiser state, of the step the first {@link #awaitStep} reached, for a link
     * that asked for it: kind, step count and each piece's buffers keyed {@code <piece>.<buffer>}.
     *
     * @throws IllegalStateException for a link that did not ask for it, or before that step's state arrived
     */
    public OptimizerState state() {
        if (stateBuffers == null) {
            throw new IllegalStateException("partition " + partition + "'s link did not ask for the optimiser state");
        }
        if (weights.inProgress() || stateBuffers.keySet().stream().anyMatch(key -> weights.stepOf(key) < 0)) {
            throw new IllegalStateException("partition " + partition + "'s optimiser state has not arrived yet");
        }
        try {
            return OptimizerState.of(stateHeader.getOptimizer(), stateHeader.getStepCount(), stateBuffers);
        } catch (IllegalArgumentException e) {
            throw broke("sent an optimiser state that does not hold: " + e.getMessage());
        }
    }

    /** Writes {@code messages} back to back, waiting at most {@code timeout} for the transport; {@code what} names them in errors. */
    public void send(List<PartitionUpload> messages, Duration timeout, String what) {
        stream.sendAll(messages, timeout, what);
    }

    /** Half-closes the worker's side. */
    public void complete() {
        stream.complete();
    }

    /** Cancels the exchange, telling the partition {@code why}. */
    public void cancel(String why) {
        stream.cancel(why, null);
    }

    private CallStreamException broke(String problem) {
        return new CallStreamException("partition " + partition + " broke the contract: " + problem);
    }
}
