package dev.chainrule.partition;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.train.partition.Piece;
import dev.chainrule.wire.GradientEncoder;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.wire.WireFormatException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The way from a worker to the partition it hosts itself, without the network: each of its pieces of
 * a shard's gradient is encoded as for the wire (the run's compression and its error feedback, so the
 * bits are those of every other placement) and decoded into the partition's buffers with the checks
 * an exchange makes, then handed to the {@link PartitionHost} once the shard's last piece is in; each
 * step's weights are copied from the partition into the model. Not thread-safe: the worker's shard
 * sending uses it.
 */
public final class LocalPieces {
    private final PartitionHost host;
    private final int partition;
    /**
     * The buffers of each shard index's pieces, by name, reused from step to step: the partition reads
     * a step's pieces until its update, and the worker writes the next step's only after it took that
     * update.
     */
    private final Map<Integer, Map<String, Tensor>> buffers = new HashMap<>();

    /** The way to {@code host}, this worker's partition. */
    public LocalPieces(PartitionHost host) {
        this.host = Objects.requireNonNull(host, "host");
        this.partition = host.index();
    }

    /** The partition's index. */
    public int partition() {
        return partition;
    }

    /**
     * Piece {@code piece} of shard {@code shard} of step {@code step}: {@code values}, encoded by
     * {@code encoder} and decoded into the shard's buffer of the piece; after the shard's last piece,
     * the shard goes to the partition.
     *
     * @throws IllegalStateException when a value is not finite, or the partition refuses the shard
     */
    void accept(long step, int shard, int samples, double lossSum, Piece piece, Tensor values, boolean lastOfShard,
            GradientEncoder encoder) {
        Map<String, Tensor> into = buffers.computeIfAbsent(shard, s -> host.newPieceBuffers());
        TensorAssembler decoder = host.shardAssembler(into);
        try {
            for (TensorChunk chunk : encoder.encode(piece.name(), values)) {
                decoder.accept(chunk);
            }
        } catch (WireFormatException e) {
            throw new IllegalStateException("step " + step + ", shard " + shard + ", the worker's own partition: " + e.getMessage(), e);
        }
        if (lastOfShard) {
            host.localShard(step, shard, samples, lossSum, into.values().toArray(new Tensor[0]));
        }
    }

    /**
     * Waits, at most {@code timeout}, for the partition's weights of step {@code step}, and copies them
     * into {@code parameters} (the model's, in model order).
     */
    public void awaitStep(long step, List<Tensor> parameters, Duration timeout) {
        host.copyWeightsInto(step, parameters, timeout);
    }
}
