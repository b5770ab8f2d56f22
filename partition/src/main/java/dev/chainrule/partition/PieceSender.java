package dev.chainrule.partition;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.PartitionUpload;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.train.partition.ParameterPartitions;
import dev.chainrule.train.partition.Piece;
import dev.chainrule.wire.GradientEncoder;
import dev.chainrule.wire.GradientMessages;
import java.time.Duration;
import java.util.List;

/**
 * Sends one shard's gradient to the partitions as backward produces it: each parameter's gradient
 * is cut into its pieces, and each piece, encoded by the worker's {@link GradientEncoder} under the
 * piece's name, goes to the partition that owns it, straight from the gradient's memory (a piece is a
 * view of its range); the pieces of the partition the worker hosts itself, if it is given its
 * {@link LocalPieces}, go to it in memory. A partition's final chunk of the shard is marked last once
 * every one of its pieces is sent. Counts the time spent sending. Not thread-safe: one shard's
 * differentiation uses it.
 */
public final class PieceSender implements ShardGradient.Listener {
    private final ParameterPartitions plan;
    private final List<PartitionLink> links;
    private final long step;
    private final int shard;
    private final int samples;
    private final GradientEncoder encoder;
    private final Duration timeout;
    private final int[] piecesSent;
    private final LocalPieces local;
    private long sendingNanos;

    /**
     * A sender of shard {@code shard} of step {@code step} ({@code samples} samples) to {@code links}
     * (partition j's link at index j) as {@code plan} cuts the parameters.
     */
    public PieceSender(ParameterPartitions plan, List<PartitionLink> links, long step, int shard, int samples, GradientEncoder encoder,
            Duration timeout) {
        this(plan, links, null, step, shard, samples, encoder, timeout);
    }

    /**
     * As above, handing the pieces of {@code local}'s partition (when not null) to it in memory; that
     * partition's entry of {@code links} is not used.
     */
    public PieceSender(ParameterPartitions plan, List<PartitionLink> links, LocalPieces local, long step, int shard, int samples,
            GradientEncoder encoder, Duration timeout) {
        this.local = local;
        this.plan = plan;
        this.links = links;
        this.step = step;
        this.shard = shard;
        this.samples = samples;
        this.encoder = encoder;
        this.timeout = timeout;
        this.piecesSent = new int[plan.partitions()];
    }

    /** Parameter {@code parameter}'s gradient of the shard is ready: its pieces go to their partitions. */
    @Override
    public void ready(int parameter, Tensor gradient, double lossSum) {
        long start = System.nanoTime();
        for (Piece piece : plan.piecesOf(parameter)) {
            int j = piece.partition();
            boolean lastPiece = ++piecesSent[j] == plan.pieces(j).size();
            if (local != null && j == local.partition()) {
                local.accept(step, shard, samples, lossSum, piece, gradient.flatRange(piece.from(), piece.to()), lastPiece, encoder);
                continue;
            }
            List<TensorChunk> chunks = encoder.encode(piece.name(), gradient.flatRange(piece.from(), piece.to()));
            List<PartitionUpload> messages = GradientMessages.of(step, shard, samples, lossSum, chunks, lastPiece,
                    g -> PartitionUpload.newBuilder().setGradient(g).build());
            links.get(j).send(messages, timeout, "the gradient of " + piece.name() + " of shard " + shard + " of step " + step);
        }
        sendingNanos += System.nanoTime() - start;
    }

    /** The time spent sending so far. */
    public long sendingNanos() {
        return sendingNanos;
    }
}
