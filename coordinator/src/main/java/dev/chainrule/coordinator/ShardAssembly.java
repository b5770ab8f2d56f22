package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.wire.GradientCompression;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.wire.WireFormatException;
import java.util.Map;

/**
 * One shard's gradient as its chunks arrive: the tensors through a {@link TensorAssembler} that
 * admits only float32, finite values and chunks of at most the run's chunk size, writing the
 * elements into the buffers it is given (its session's, recycled from step to step), and the sample
 * count and loss sum, which every chunk must repeat (the loss sum finite). A parameter's gradient
 * leaves this class only once all of its chunks have arrived and passed (so a rejected chunk never
 * reaches a sum), and the shard's loss once {@link #complete} has checked the whole shard. Every
 * failure is INVALID_ARGUMENT, naming the step, the shard, what was expected and what arrived.
 *
 * <p>Lifecycle: {@link #accept} each chunk, then {@link #complete} after the one marked last. Not
 * thread-safe: one session's inbound thread uses it.
 */
final class ShardAssembly {
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
    ShardAssembly(long step, int shard, int samples, Map<String, Shape> shapes, int chunkBytes, GradientCompression compression,
            Map<String, Tensor> into) {
        this.step = step;
        this.shard = shard;
        this.samples = samples;
        this.tensors = new TensorAssembler(shapes).into(into).requireFinite().maxChunkBytes(chunkBytes)
                .acceptEncoding(compression.encoding());
    }

    long step() {
        return step;
    }

    int shard() {
        return shard;
    }

    int samples() {
        return samples;
    }

    /** Takes the next chunk of the shard; returns the parameter's gradient when this chunk completed it, else null. */
    Tensor accept(GradientChunk chunk) throws ProtocolException {
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
    double complete() throws ProtocolException {
        try {
            tensors.complete();
        } catch (WireFormatException e) {
            throw invalid("marked last, but " + e.getMessage());
        }
        return lossSum;
    }

    /** What the shard still waits for: "the rest of tensor 'fc1.weight' from byte offset 256 of 512", or "the chunk marked last". */
    String awaiting() {
        return tensors.finished() ? "the chunk marked last" : tensors.awaiting();
    }

    private ProtocolException invalid(String problem) {
        return ProtocolException.invalid("step " + step + ", shard " + shard + ": " + problem);
    }
}
