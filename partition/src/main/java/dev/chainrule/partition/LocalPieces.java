package dev.chainrule.partition;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.train.partition.Piece;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The way from a worker to the partition it hosts itself, without the network: its pieces of each
 * shard's gradient are copied (the gradient's buffers are recycled) and handed to the
 * {@link PartitionHost} once the shard's last one is in, and each step's weights are copied from the
 * partition into the model. Only for runs whose gradients are not compressed: a compressed piece
 * must take the encoding (and its error feedback) that every other placement gives it, so it goes
 * through an exchange like any other. Not thread-safe: the worker's shard sending uses it.
 */
public final class LocalPieces {
    private final PartitionHost host;
    private final int partition;
    private final int pieceCount;
    /**
     * The copies of each shard index's pieces, reused from step to step: the partition reads a step's
     * pieces until its update, and the worker copies the next step's only after it took that update.
     */
    private final Map<Integer, Tensor[]> buffers = new HashMap<>();

    /** The way to {@code host}, this worker's partition. */
    public LocalPieces(PartitionHost host) {
        this.host = Objects.requireNonNull(host, "host");
        this.partition = host.index();
        this.pieceCount = host.pieceShapes().size();
    }

    /** The partition's index. */
    public int partition() {
        return partition;
    }

    /**
     * Piece {@code piece} of shard {@code shard} of step {@code step}: {@code values}, which are copied;
     * after the shard's last piece, the shard goes to the partition.
     *
     * @throws IllegalStateException when the partition refuses the shard
     */
    void accept(long step, int shard, int samples, double lossSum, Piece piece, Tensor values, boolean lastOfShard) {
        Tensor[] pieces = buffers.computeIfAbsent(shard, s -> new Tensor[pieceCount]);
        if (pieces[piece.position()] == null) {
            pieces[piece.position()] = Tensor.lastingZeros(DType.FLOAT32, Shape.of(piece.length())).named(piece.name());
        }
        pieces[piece.position()].copyFrom(values);
        if (lastOfShard) {
            host.localShard(step, shard, samples, lossSum, pieces.clone());
        }
    }

    /** Waits, at most {@code timeout}, for the partition's weights of step {@code step}, and copies them into {@code parameters}. */
    public void awaitStep(long step, Map<String, Tensor> parameters, Duration timeout) {
        host.copyWeightsInto(step, parameters, timeout);
    }
}
