package dev.chainrule.partition;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.PartitionAttach;
import dev.chainrule.proto.v1.PartitionDownload;
import dev.chainrule.proto.v1.PartitionUpload;
import dev.chainrule.wire.ShardAssembly;
import dev.chainrule.wire.TensorChunks;
import dev.chainrule.wire.WireFormatException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A partition's end of one worker's exchange: checks the attachment, assembles each shard's pieces as
 * their chunks arrive (a piece leaves only once whole and checked), hands each complete shard to the
 * {@link PartitionHost}, and writes what the host sends, in order, as fast as the transport takes it.
 * A message that breaks the contract ends the exchange with the status the contract names; a shard
 * the exchange had not completed is dropped.
 *
 * <p>Threading: gRPC calls {@link #onNext} and the other inbound methods one at a time; the host
 * queues outbound messages from any thread, and the transport's readiness drains them; the outbound
 * side is guarded by this object's monitor, which is never held while calling the host.
 */
final class ExchangeStream implements StreamObserver<byte[]> {
    /** The version of the Partition contract this side speaks. */
    static final int PROTOCOL_VERSION = 1;
    /** Room for a chunk's name, shape and the other fields of its message, on top of its element bytes. */
    static final int MESSAGE_OVERHEAD_BYTES = 64 * 1024;

    private final Supplier<PartitionHost> hosts;
    private final ServerCallStreamObserver<PartitionDownload> out;
    /** The host this exchange attached to, or null before. */
    private volatile PartitionHost host;
    private final ArrayDeque<PartitionDownload> queue = new ArrayDeque<>();
    private boolean attached;
    private boolean ended;
    private PartitionDownload finalMessage;
    /** The piece whose weights are being written (some of its chunks are out, not the last), or null. */
    private String writing;
    /** The shard whose chunks are arriving, or null between shards. */
    private ShardAssembly current;
    /** Where {@link #current}'s pieces go, by name, in the partition's order of pieces. */
    private Map<String, Tensor> currentPieces;
    /** The shards this exchange completed in {@link #sentStep}. */
    private final Set<Integer> sent = new HashSet<>();
    private long sentStep = -1;
    /**
     * The buffers this exchange's shards are assembled in: the n-th shard the worker starts in a step
     * goes into the n-th set. The partition reads a step's pieces until its update, and a worker sends
     * the next step's only once it has taken that update's weights, so from the second step on a shard
     * allocates nothing and each byte is copied once, from the message into its piece.
     */
    private final List<Map<String, Tensor>> buffers = new ArrayList<>();
    /** The step of {@link #buffersUsed}. */
    private long buffersStep = -1;
    private int buffersUsed;

    /** The exchange on {@code out} with the host {@code hosts} gives when the worker attaches (null: none yet). */
    ExchangeStream(Supplier<PartitionHost> hosts, ServerCallStreamObserver<PartitionDownload> out) {
        this.hosts = hosts;
        this.out = out;
        out.setOnReadyHandler(this::drain);
        out.setOnCancelHandler(() -> {
            synchronized (this) {
                ended = true;
                queue.clear();
            }
            detach();
        });
    }

    @Override
    public void onNext(byte[] bytes) {
        synchronized (this) {
            if (ended) {
                return;
            }
        }
        try {
            PartitionUpload message = parsed(bytes);
            switch (message.getKindCase()) {
                case ATTACH -> attach(message.getAttach());
                case GRADIENT -> gradient(message.getGradient());
                default -> throw invalid("a PartitionUpload with " + (message.getKindCase() == PartitionUpload.KindCase.KIND_NOT_SET
                        ? "no kind set" : "kind " + message.getKindCase()));
            }
        } catch (StatusException e) {
            fail(e.getStatus());
        }
    }

    /**
     * The message {@code bytes} hold: RESOURCE_EXHAUSTED beyond one chunk of the partition's
     * chunk_bytes plus {@link #MESSAGE_OVERHEAD_BYTES}, INVALID_ARGUMENT when they do not parse.
     */
    private PartitionUpload parsed(byte[] bytes) throws StatusException {
        PartitionHost known = host != null ? host : hosts.get();
        long limit = (long) (known != null ? known.chunkBytes() : TensorChunks.DEFAULT_CHUNK_BYTES) + MESSAGE_OVERHEAD_BYTES;
        if (bytes.length > limit) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("a message of " + bytes.length + " bytes (expected: at most " + limit
                    + " bytes, a chunk of chunk_bytes plus " + MESSAGE_OVERHEAD_BYTES + " bytes for the other fields)").asException();
        }
        try {
            return PartitionUpload.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw invalid("not a PartitionUpload: " + e.getMessage() + " (a message of " + bytes.length + " bytes)");
        }
    }

    @Override
    public void onError(Throwable t) {
        end();
    }

    @Override
    public void onCompleted() {
        end();
        synchronized (this) {
            if (!ended) {
                ended = true;
                queue.clear();
                out.onCompleted();
            }
        }
    }

    private void attach(PartitionAttach attach) throws StatusException {
        if (attached) {
            throw invalid("a second PartitionAttach");
        }
        if (attach.getProtocolVersion() != PROTOCOL_VERSION) {
            throw invalid("protocol_version " + attach.getProtocolVersion() + " (expected: " + PROTOCOL_VERSION + ")");
        }
        PartitionHost found = hosts.get();
        if (found == null || found.placement() < attach.getPlacement()) {
            throw Status.UNAVAILABLE.withDescription(PartitionService.NOT_HOSTED_YET).asException();
        }
        if (found.placement() > attach.getPlacement()) {
            throw Status.FAILED_PRECONDITION.withDescription("placement " + attach.getPlacement() + " of the run's partitions (expected: "
                    + found.placement() + ", the placement of the partition hosted here)").asException();
        }
        found.attach(this, attach.getPartition(), attach.getPartitions(), attach.getModelSpec(), attach.getIncludeState());
        host = found;
        attached = true;
    }

    private void gradient(GradientChunk chunk) throws StatusException {
        if (!attached) {
            throw invalid("a gradient before PartitionAttach (expected: PartitionAttach first)");
        }
        if (!chunk.hasTensor()) {
            throw invalid("GradientChunk.tensor is missing");
        }
        if (current == null) {
            begin(chunk);
        } else if (chunk.getStep() != current.step() || chunk.getShardIndex() != current.shard()) {
            throw invalid("a chunk of shard " + chunk.getShardIndex() + " of step " + chunk.getStep() + " before shard " + current.shard()
                    + " of step " + current.step() + " was complete (expected: " + current.awaiting() + ")");
        }
        double lossSum;
        try {
            current.accept(chunk);
            if (!chunk.getLast()) {
                return;
            }
            lossSum = current.complete();
        } catch (WireFormatException e) {
            throw invalid(e.getMessage());
        }
        ShardAssembly done = current;
        current = null;
        if (done.step() != sentStep) {
            sentStep = done.step();
            sent.clear();
        }
        sent.add(done.shard());
        host.shardArrived(done.step(), done.shard(), done.samples(), lossSum, currentPieces.values().toArray(new Tensor[0]));
    }

    /** Checks a shard's first chunk against the partition and starts assembling the shard into the exchange's next buffers. */
    private void begin(GradientChunk chunk) throws StatusException {
        long step = chunk.getStep();
        int shard = chunk.getShardIndex();
        if (step < 0) {
            throw invalid("step " + step + " (expected: >= 0)");
        }
        if (shard < 0) {
            throw invalid("shard " + shard + " (expected: >= 0)");
        }
        if (chunk.getSampleCount() < 1) {
            throw invalid("step " + step + ", shard " + shard + ": sample_count " + chunk.getSampleCount() + " (expected: >= 1)");
        }
        if (step == sentStep && sent.contains(shard)) {
            throw Status.FAILED_PRECONDITION.withDescription("shard " + shard + " of step " + step + " again (expected: each shard once)")
                    .asException();
        }
        host.checkShard(step, shard, chunk.getSampleCount());
        if (step != buffersStep) {
            buffersStep = step;
            buffersUsed = 0;
        }
        if (buffersUsed == buffers.size()) {
            buffers.add(host.newPieceBuffers());
        }
        currentPieces = buffers.get(buffersUsed++);
        current = new ShardAssembly(step, shard, chunk.getSampleCount(), host.pieceShapes(), host.chunkBytes(), host.compression(),
                currentPieces);
    }


    /** The exchange is over from the worker's side: a shard in the middle of its chunks is dropped. */
    private void end() {
        current = null;
        detach();
    }

    private void detach() {
        PartitionHost attachedTo = host;
        if (attachedTo != null) {
            attachedTo.detach(this);
        }
    }

    /**
     * Queues {@code messages}, written back to back as the transport is ready. A piece's weights not
     * started yet are dropped when newer weights of that piece are queued: a worker needs only the
     * newest, so one that reads slowly (it computes nothing in some steps) is owed at most one copy of
     * each piece besides the one being written.
     */
    synchronized void send(List<PartitionDownload> messages) {
        if (ended || finalMessage != null) {
            return;
        }
        Set<String> newer = new HashSet<>();
        messages.stream().filter(PartitionDownload::hasWeights).forEach(m -> newer.add(m.getWeights().getTensor().getName()));
        if (!newer.isEmpty()) {
            queue.removeIf(m -> m.hasWeights() && newer.contains(m.getWeights().getTensor().getName())
                    && !m.getWeights().getTensor().getName().equals(writing));
        }
        queue.addAll(messages);
        drain();
    }

    /** Queues {@code message} as the last; the exchange completes once it is written. */
    synchronized void finish(PartitionDownload message) {
        if (ended || finalMessage != null) {
            return;
        }
        finalMessage = message;
        queue.add(message);
        drain();
    }

    private synchronized void drain() {
        while (!ended && !queue.isEmpty() && out.isReady()) {
            PartitionDownload next = queue.poll();
            writing = next.hasWeights() && !next.getWeights().getLast() ? next.getWeights().getTensor().getName() : null;
            out.onNext(next);
            if (next == finalMessage) {
                ended = true;
                out.onCompleted();
            }
        }
    }

    private void fail(Status status) {
        current = null;
        detach();
        synchronized (this) {
            if (!ended) {
                ended = true;
                queue.clear();
                out.onError(status.asRuntimeException());
            }
        }
    }

    private static StatusException invalid(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asException();
    }
}
