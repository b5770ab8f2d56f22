package dev.chainrule.wire;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.GradientChunk;
import java.util.Map;

/**
 * One shard's gradient as its chunks arrive: the tensors through a {@link TensorAssembler} that
 * admits only float32, finite values and chunks of at most the run's chunk size, writing the
 * elements into the buffers it is given (its session's, recycled from step to step), and the sample
 * count and loss sum, which every chunk must repeat (the loss sum finite). A parameter's gradient
 * leaves this class only once all of its chunks have arrived and passed (so a rejected chunk never
 * reaches a sum), and the shard's loss once {@link #complete} has checked the whole shard. Every
 * failure is a {@link WireFormatException} (the receiver answers INVALID_ARGUMENT) naming the step,
 * the shard, what was expected and what arrived. The coordinator's sessions and a partition's
 * exchanges both take shards through it.
 *
 * <p>Lifecycle: {@link #accept} each chunk, then {@link #complete} after the one marked last. Not
 * thread-safe: one session's inbound thread uses it.
 */
public final class ShardAssembly {
    private final long step;
    private final int shard;
    private final int samples;
    private final TensorAssembler tensors;
    private Double lossSum;

    /**
     * Shard {@code shard} of step {@code step}, which has {@code samples} samples, for parameters
     * shaped like {@code shapes}, sent in chunks of at most {@code chunkBytes} element bytes, whose
     * elements, encoded as {@code compression} says, are written straight into {@code into} (one
     * float32 tensor per parameter, by name).
     */
    public ShardAssembly(long step, int shard, int samples, Map<String, Shape> shapes, int chunkBytes, GradientCompression compression,
            Map<String, Tensor> into) {
        this.step = step;
        this.shard = shard;
        this.samples = samples;
        this.tensors = gradients(shapes, chunkBytes, compression, into);
    }

    /**
     * An assembler of gradient tensors shaped like {@code shapes}, as a receiver of a run's gradients
     * takes them: float32, finite, in chunks of at most {@code chunkBytes}, encoded as
     * {@code compression} says, written into {@code into}.
     */
    public static TensorAssembler gradients(Map<String, Shape> shapes, int chunkBytes, GradientCompression compression,
            Map<String, Tensor> into) {
        return new TensorAssembler(shapes).into(into).requireFinite().maxChunkBytes(chunkBytes).acceptEncoding(compression.encoding());
    }

    public long step() {
        return step;
    }

    public int shard() {
        return shard;
    }

    public int samples() {
        return samples;
    }

    /** Takes the next chunk of the shard; returns the parameter's gradient when this chunk completed it, else null. */
    public Tensor accept(GradientChunk chunk) {
        if (chunk.getSampleCount() != samples) {
            throw invalid("sample_count " + chunk.getSampleCount() + " (expected: " + samples + ", the shard's samples)");
        }
        double loss = chunk.getLossSum();
        if (!Double.isFinite(loss)) {
            throw invalid("loss_sum is " + loss + " (expected: a finite number)");
        }
        if (lossSum == null) {
            lossSum = loss;
        } else if (Double.doubleToLongBits(lossSum) != Double.doubleToLongBits(loss)) {
            throw invalid("loss_sum " + loss + " (expected: " + lossSum + ", as in the shard's first chunk)");
        }
        try {
            return tensors.accept(chunk.getTensor());
        } catch (WireFormatException e) {
            throw invalid(e.getMessage());
        }
    }

    /** The shard's loss sum, once the chunk marked last arrived; fails unless every tensor arrived whole. */
    public double complete() {
        try {
            tensors.complete();
        } catch (WireFormatException e) {
            throw invalid("marked last, but " + e.getMessage());
        }
        return lossSum;
    }

    /** What the shard still waits for: "the rest of tensor 'fc1.weight' from byte offset 256 of 512", or "the chunk marked last". */
    public String awaiting() {
        return tensors.finished() ? "the chunk marked last" : tensors.awaiting();
    }

    private WireFormatException invalid(String problem) {
        return new WireFormatException("step " + step + ", shard " + shard + ": " + problem);
    }
}
