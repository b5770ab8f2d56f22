package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.wire.WireFormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One shard's gradient as its chunks arrive: the tensors through a {@link TensorAssembler} that
 * admits only float32, finite values and chunks of at most the run's chunk size, writing the
 * elements into the buffers it is given (its session's, recycled from step to step), and the sample
 * count and loss sum, which every chunk must repeat (the loss sum finite). Nothing leaves this class
 * until {@link #complete} has checked the whole shard, so a rejected chunk never reaches a sum.
 * Every failure is INVALID_ARGUMENT, naming the step, the shard, what was expected and what arrived.
 *
 * <p>Lifecycle: {@link #accept} each chunk, then {@link #complete} after the one marked last. Not
 * thread-safe: one session's inbound thread uses it.
 */
final class ShardAssembly {
    private final long step;
    private final int shard;
    private final int samples;
    private final Map<String, Shape> shapes;
    private final TensorAssembler tensors;
    private Double lossSum;

    /**
     * Shard {@code shard} of step {@code step}, which has {@code samples} samples, for parameters
     * shaped like {@code shapes}, sent in chunks of at most {@code chunkBytes} element bytes, whose
     * elements are written straight into {@code into} (one float32 tensor per parameter, by name).
     */
    ShardAssembly(long step, int shard, int samples, Map<String, Shape> shapes, int chunkBytes, Map<String, Tensor> into) {
        this.step = step;
        this.shard = shard;
        this.samples = samples;
        this.shapes = shapes;
        this.tensors = new TensorAssembler(shapes).into(into).requireFinite().maxChunkBytes(chunkBytes);
    }

    long step() {
        return step;
    }

    int shard() {
        return shard;
    }

    /** Takes the next chunk of the shard. */
    void accept(GradientChunk chunk) throws ProtocolException {
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
            tensors.accept(chunk.getTensor());
        } catch (WireFormatException e) {
            throw invalid(e.getMessage());
        }
    }

    /** The shard's gradient, its tensors in parameter order; fails unless every tensor arrived whole. */
    ShardGradient complete() throws ProtocolException {
        Map<String, Tensor> received;
        try {
            received = tensors.complete();
        } catch (WireFormatException e) {
            throw invalid("marked last, but " + e.getMessage());
        }
        List<Tensor> gradients = new ArrayList<>(shapes.size());
        for (String name : shapes.keySet()) {
            gradients.add(received.get(name));
        }
        return new ShardGradient(gradients, lossSum, samples);
    }

    /** What the shard still waits for: "the rest of tensor 'fc1.weight' from byte offset 256 of 512", or "the chunk marked last". */
    String awaiting() {
        return tensors.finished() ? "the chunk marked last" : tensors.awaiting();
    }

    private ProtocolException invalid(String problem) {
        return ProtocolException.invalid("step " + step + ", shard " + shard + ": " + problem);
    }
}
