package dev.chainrule.partition;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.PartitionAttached;
import dev.chainrule.proto.v1.PartitionDownload;
import dev.chainrule.proto.v1.PartitionState;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.proto.v1.PieceRange;
import dev.chainrule.proto.v1.Stop;
import dev.chainrule.proto.v1.WeightsChunk;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.partition.ParameterPartitions;
import dev.chainrule.train.partition.Partition;
import dev.chainrule.train.partition.Piece;
import dev.chainrule.wire.GradientCompression;
import dev.chainrule.wire.ShardAssembly;
import dev.chainrule.wire.TensorChunks;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.proto.v1.TensorChunk;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusException;
import dev.chainrule.wire.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One coordinator partition at work: its {@link Partition} (its pieces' weights, optimiser and
 * shard-order reduction), the steps the leader opens, the shards its workers' exchanges deliver, and
 * the weights it sends them after each update.
 *
 * <p>Per step: the leader {@link #open opens} the step the weights are for, with the step's shard
 * plan, divisor and learning rate; each shard's pieces arrive whole and checked from some worker's
 * exchange ({@link #shardArrived}) and go into the reduction, the first copy of a shard only; once
 * every non-empty shard is in, the optimiser updates the pieces, the new weights go out to every
 * attached worker, and the {@link Listener} hears of it. Shards of the weights' step that arrive before
 * the leader opens it wait for it. A shard is reported to the listener as it comes in, so that the
 * leader knows which shards every partition holds.
 *
 * <p>Thread-safe: the exchanges' gRPC threads and the leader call in; every change happens under
 * this object's monitor, and the listener is called under it too (it must not call back in from
 * another thread and wait).
 */
public final class PartitionHost {
    private final Partition partition;
    private final ParameterPartitions plan;
    private final String modelSpec;
    private final GradientCompression compression;
    private final int chunkBytes;
    private final Listener listener;
    private final long placement;
    private final Map<String, Shape> pieceShapes = new LinkedHashMap<>();
    private final List<ExchangeStream> attached = new ArrayList<>();
    /** The step the partition's weights are the starting point of. */
    private long weightsStep;
    /** The open step's plan, or null while the leader has not opened {@link #weightsStep}. */
    private ShardPlan open;
    /** The next step, when the leader opened it before this partition's update of the open one: opened after it. */
    private Runnable nextOpen;
    /** Shards of {@link #weightsStep} in, by index, for the open step; before it opens, those waiting. */
    private final Map<Integer, ArrivedShard> shards = new LinkedHashMap<>();
    private List<PartitionDownload> weightsMessages;
    private boolean stopped;

    /** What a host tells the run's leader. */
    public interface Listener {
        /**
         * Shard {@code shard} of step {@code step}, {@code samples} samples whose loss sums to
         * {@code lossSum}, is in this partition's sums.
         */
        void shardIn(int partition, long step, int shard, double lossSum, int samples);

        /** Step {@code step} is done here: the pieces hold the weights of step + 1, sent to every attached worker. */
        void updated(int partition, long step, double meanLoss);

        /** The update of step {@code step} failed (a bug, or an optimiser's refusal); the run cannot go on. */
        void failed(int partition, long step, String message);
    }

    /** A shard's pieces, arrived whole and checked. */
    record ArrivedShard(int samples, double lossSum, Tensor[] pieces) {
    }

    /**
     * A host of {@code partition}, one of {@code plan}'s, whose weights are the starting point of step
     * {@code step}, for a run of model {@code modelSpec} whose gradients come as {@code compression}
     * says in chunks of at most {@code chunkBytes}; it tells {@code listener} what happens.
     */
    public PartitionHost(Partition partition, ParameterPartitions plan, String modelSpec, long step, GradientCompression compression,
            int chunkBytes, Listener listener) {
        this(partition, plan, modelSpec, step, compression, chunkBytes, listener, 0);
    }

    /** As above, for the run's placement {@code placement} of its partitions (PartitionPlan.placement). */
    public PartitionHost(Partition partition, ParameterPartitions plan, String modelSpec, long step, GradientCompression compression,
            int chunkBytes, Listener listener, long placement) {
        this.placement = placement;
        this.partition = Objects.requireNonNull(partition, "partition");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.modelSpec = Objects.requireNonNull(modelSpec, "modelSpec");
        this.compression = Objects.requireNonNull(compression, "compression");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.chunkBytes = chunkBytes;
        this.weightsStep = step;
        for (Piece piece : partition.pieces()) {
            pieceShapes.put(piece.name(), Shape.of(piece.length()));
        }
        this.weightsMessages = weightsMessages();
    }

    /** The placement of the run's partitions this host belongs to. */
    public long placement() {
        return placement;
    }

    /** The partition's index. */
    public int index() {
        return partition.index();
    }

    /** The step the partition's weights are the starting point of now. */
    public synchronized long weightsStep() {
        return weightsStep;
    }

    /**
     * The leader opens step {@code step}, the one the weights are for: its shards as {@code shardPlan}
     * cuts the batch, the gradient sums divided by {@code divisor} with learning rate
     * {@code learningRate}. Shards that arrived early go into the sums now. The step after the open
     * one may be opened too (the leader starts it once every partition has every shard, while the
     * partitions update): it opens once this partition's update is done.
     *
     * @throws IllegalStateException when {@code step} is neither the weights' step nor the next, or is already open
     */
    public synchronized void open(long step, ShardPlan shardPlan, float divisor, double learningRate) {
        if (step == weightsStep + 1 && open != null && nextOpen == null) {
            nextOpen = () -> open(step, shardPlan, divisor, learningRate);
            return;
        }
        if (step != weightsStep || open != null) {
            throw new IllegalStateException("partition " + index() + " asked to open step " + step + " (expected: step " + weightsStep
                    + (open != null ? ", which is open already" : "") + ")");
        }
        partition.reduction().begin(shardPlan, divisor, learningRate);
        open = shardPlan;
        Map<Integer, ArrivedShard> early = new LinkedHashMap<>(shards);
        shards.clear();
        early.forEach((shard, arrived) -> {
            if (fits(shard, arrived.samples()) == null) {
                take(shard, arrived);
            }
        });
        finishIfComplete();
    }

    /** Ends every exchange with Stop ({@code reason}, {@code finished}); later attachments are refused. */
    public synchronized void stop(String reason, boolean finished) {
        stopped = true;
        PartitionDownload stop = PartitionDownload.newBuilder().setStop(Stop.newBuilder().setReason(reason).setFinished(finished)).build();
        for (ExchangeStream stream : attached) {
            stream.finish(stop);
        }
        attached.clear();
    }

    /** The names and shapes of the partition's pieces, for an exchange's assembler. */
    Map<String, Shape> pieceShapes() {
        return pieceShapes;
    }

    GradientCompression compression() {
        return compression;
    }

    int chunkBytes() {
        return chunkBytes;
    }

    /**
     * Attaches {@code stream}: checks what its worker expects, then queues the Attached answer and the
     * current weights on it, followed, when {@code includeState}, by the optimiser's state of the same
     * moment (the leader writing a checkpoint).
     *
     * @throws StatusException FAILED_PRECONDITION when the worker means another partition or model,
     *     UNAVAILABLE when the host has stopped
     */
    synchronized void attach(ExchangeStream stream, int partitionIndex, int partitions, String workerModel, boolean includeState)
            throws StatusException {
        if (stopped) {
            throw Status.UNAVAILABLE.withDescription("partition " + index() + " has stopped").asException();
        }
        if (partitionIndex != index() || partitions != plan.partitions()) {
            throw Status.FAILED_PRECONDITION.withDescription("the worker means partition " + partitionIndex + " of " + partitions
                    + " (expected: this is partition " + index() + " of " + plan.partitions() + ")").asException();
        }
        if (!modelSpec.equals(workerModel)) {
            throw Status.FAILED_PRECONDITION.withDescription("the worker's model is '" + workerModel + "' (expected: '" + modelSpec
                    + "', the run's)").asException();
        }
        PartitionAttached.Builder answer = PartitionAttached.newBuilder().setPartition(index()).setPartitions(plan.partitions())
                .setStep(weightsStep);
        for (Piece piece : partition.pieces()) {
            answer.addPieces(PieceRange.newBuilder().setParameter(piece.parameterName()).setFrom(piece.from()).setTo(piece.to()));
        }
        OptimizerState state = includeState ? partition.exportState() : null;
        if (state != null) {
            answer.setState(PartitionState.newBuilder().setOptimizer(state.kind()).setStepCount(state.stepCount())
                    .addAllBuffers(state.bufferNames()));
        }
        stream.send(List.of(PartitionDownload.newBuilder().setAttached(answer).build()));
        stream.send(weightsMessages);
        if (state != null) {
            stream.send(tensorMessages(state.buffers()));
        }
        attached.add(stream);
    }


    /** {@code stream} has ended: it gets nothing more. */
    synchronized void detach(ExchangeStream stream) {
        attached.remove(stream);
    }

    /**
     * Checks a shard's first chunk against the partition's state: the weights' step only, a shard
     * index within the plan once the step is open, the shard's size.
     *
     * @throws StatusException FAILED_PRECONDITION for another step, a shard that is empty or of
     *     another size in the open step; INVALID_ARGUMENT for a shard index outside the plan
     */
    synchronized void checkShard(long step, int shard, int samples) throws StatusException {
        if (step != weightsStep) {
            throw Status.FAILED_PRECONDITION.withDescription("a gradient for step " + step + " (expected: step " + weightsStep
                    + ", the step partition " + index() + "'s weights are for)").asException();
        }
        if (open != null) {
            if (shard < 0 || shard >= open.shards()) {
                throw Status.INVALID_ARGUMENT.withDescription("shard " + shard + " of step " + step + " (expected: 0 <= shard < "
                        + open.shards() + ")").asException();
            }
            String problem = fits(shard, samples);
            if (problem != null) {
                throw Status.FAILED_PRECONDITION.withDescription("shard " + shard + " of step " + step + ": " + problem).asException();
            }
        }
    }

    /**
     * Shard {@code shard} of step {@code step} arrived whole and checked: into the sums, unless a copy
     * of it is in already (that copy is dropped) or the step is not the weights' one any more (it
     * crossed an update in flight and is dropped).
     *
     * @throws StatusException as {@link #checkShard}, for a shard that no longer fits the open step
     */
    synchronized void shardArrived(long step, int shard, int samples, double lossSum, Tensor[] pieces) throws StatusException {
        if (step < weightsStep) {
            return;
        }
        checkShard(step, shard, samples);
        if (shards.containsKey(shard)) {
            return;
        }
        ArrivedShard arrived = new ArrivedShard(samples, lossSum, pieces);
        if (open == null) {
            shards.put(shard, arrived);
            return;
        }
        take(shard, arrived);
        finishIfComplete();
    }

    /** Why a shard of {@code samples} samples does not fit the open step as shard {@code shard}, or null. */
    private String fits(int shard, int samples) {
        if (shard < 0 || shard >= open.shards()) {
            return "no such shard (expected: 0 <= shard < " + open.shards() + ")";
        }
        if (open.size(shard) == 0) {
            return "the shard is empty in this step";
        }
        if (open.size(shard) != samples) {
            return "sample_count " + samples + " (expected: " + open.size(shard) + ", the shard's samples)";
        }
        return null;
    }

    private void take(int shard, ArrivedShard arrived) {
        shards.put(shard, arrived);
        for (int i = 0; i < arrived.pieces().length; i++) {
            partition.reduction().add(shard, i, arrived.pieces()[i]);
        }
        partition.reduction().addLoss(shard, arrived.lossSum(), arrived.samples());
        listener.shardIn(index(), weightsStep, shard, arrived.lossSum(), arrived.samples());
    }

    private void finishIfComplete() {
        for (int s = 0; s < open.shards(); s++) {
            if (open.size(s) > 0 && !shards.containsKey(s)) {
                return;
            }
        }
        long step = weightsStep;
        double meanLoss;
        try {
            meanLoss = partition.reduction().finish();
        } catch (RuntimeException e) {
            listener.failed(index(), step, "partition " + index() + ", step " + step + ": " + e.getMessage());
            return;
        }
        weightsStep = step + 1;
        open = null;
        shards.clear();
        notifyAll();
        weightsMessages = weightsMessages();
        for (ExchangeStream stream : attached) {
            stream.send(weightsMessages);
        }
        listener.updated(index(), step, meanLoss);
        if (nextOpen != null) {
            Runnable next = nextOpen;
            nextOpen = null;
            next.run();
        }
    }

    /** The pieces' weights for {@link #weightsStep}, as the messages every worker is sent. */
    private List<PartitionDownload> weightsMessages() {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (int i = 0; i < partition.weights().size(); i++) {
            weights.put(partition.pieces().get(i).name(), partition.weights().get(i));
        }
        return tensorMessages(weights);
    }

    /** {@code tensors} (by name) as WeightsChunk messages labelled {@link #weightsStep}, their bytes copied. */
    private List<PartitionDownload> tensorMessages(Map<String, Tensor> tensors) {
        List<PartitionDownload> messages = new ArrayList<>();
        for (Map.Entry<String, Tensor> tensor : tensors.entrySet()) {
            List<TensorChunk> chunks = TensorChunks.of(tensor.getKey(), tensor.getValue(), chunkBytes);
            for (int c = 0; c < chunks.size(); c++) {
                // copied out of the weights now: the next update changes them in place while these may still be queued
                TensorChunk chunk = chunks.get(c).toBuilder().setData(ByteString.copyFrom(
                        chunks.get(c).getData().asReadOnlyByteBuffer())).build();
                messages.add(PartitionDownload.newBuilder().setWeights(WeightsChunk.newBuilder().setStep(weightsStep).setTensor(chunk)
                        .setLast(c == chunks.size() - 1)).build());
            }
        }
        return List.copyOf(messages);
    }

    /**
     * Waits, at most {@code timeout}, until the partition's weights are those of step {@code step},
     * then copies them into their places in {@code parameters} (the plan's parameters, in model order),
     * as {@link Partition#writeInto} does: how the worker that hosts the partition takes its slice,
     * without the network.
     *
     * @throws IllegalStateException when the wait times out, or the weights are already past {@code step}
     */
    public synchronized void copyWeightsInto(long step, List<Tensor> parameters, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (weightsStep < step) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("partition " + index() + " did not reach the weights of step " + step + " within "
                        + Durations.describe(timeout) + " (it holds those of step " + weightsStep + ")");
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for partition " + index() + "'s weights of step " + step);
            }
        }
        if (weightsStep != step) {
            throw new IllegalStateException("partition " + index() + " holds the weights of step " + weightsStep + " (expected: step "
                    + step + ")");
        }
        partition.writeInto(parameters);
    }

    /**
     * Shard {@code shard} of step {@code step} from the worker that hosts this partition, its pieces
     * already whole (see {@link LocalPieces}): as {@link #shardArrived}, with the checks of an exchange.
     *
     * @throws IllegalStateException when the shard does not fit the partition's state
     */
    void localShard(long step, int shard, int samples, double lossSum, Tensor[] pieces) {
        try {
            shardArrived(step, shard, samples, lossSum, pieces);
        } catch (StatusException e) {
            throw new IllegalStateException("partition " + index() + " refused its own worker's shard: " + e.getStatus().getDescription());
        }
    }

    /** An assembler for one shard's pieces as this partition accepts them, writing their elements into {@code into} (by piece name). */
    TensorAssembler shardAssembler(Map<String, Tensor> into) {
        return ShardAssembly.gradients(pieceShapes, chunkBytes, compression, into);
    }

    /** A new set of buffers for one shard's pieces, by piece name in the partition's order of pieces, outliving any workspace. */
    Map<String, Tensor> newPieceBuffers() {
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        pieceShapes.forEach((name, shape) -> buffers.put(name, Tensor.lastingZeros(DType.FLOAT32, shape).named(name)));
        return buffers;
    }
}
