package dev.chainrule.coordinator;

import dev.chainrule.autodiff.DType;
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
 * One shard's gradient as its chunks arrive: the tensors through a {@link TensorAssembler}, and the
 * sample count and loss sum, which every chunk must repeat. Lifecycle: {@link #accept} each chunk,
 * then {@link #complete} after the one marked last. Not thread-safe: one session's inbound thread uses it.
 */
final class ShardAssembly {
    private final long step;
    private final int shard;
    private final int samples;
    private final Map<String, Shape> shapes;
    private final TensorAssembler tensors;
    private Double lossSum;

    /** Shard {@code shard} of step {@code step}, which has {@code samples} samples, for parameters shaped like {@code shapes}. */
    ShardAssembly(long step, int shard, int samples, Map<String, Shape> shapes) {
        this.step = step;
        this.shard = shard;
        this.samples = samples;
        this.shapes = shapes;
        this.tensors = new TensorAssembler(shapes);
    }

    /** Takes the next chunk of the shard. */
    void accept(GradientChunk chunk) throws ProtocolException {
        if (chunk.getSampleCount() != samples) {
            throw invalid("sample_count " + chunk.getSampleCount() + " (expected: " + samples + ")");
        }
        if (lossSum == null) {
            lossSum = chunk.getLossSum();
        } else if (Double.doubleToLongBits(lossSum) != Double.doubleToLongBits(chunk.getLossSum())) {
            throw invalid("loss_sum changes from " + lossSum + " to " + chunk.getLossSum() + " between chunks");
        }
        try {
            tensors.accept(chunk.getTensor());
        } catch (WireFormatException e) {
            throw invalid(e.getMessage());
        }
    }

    /** The shard's gradient, its tensors in parameter order; fails unless every tensor arrived whole as float32. */
    ShardGradient complete() throws ProtocolException {
        Map<String, Tensor> received;
        try {
            received = tensors.complete();
        } catch (WireFormatException e) {
            throw invalid("marked last, but " + e.getMessage());
        }
        List<Tensor> gradients = new ArrayList<>(shapes.size());
        for (String name : shapes.keySet()) {
            Tensor g = received.get(name);
            if (g.dtype() != DType.FLOAT32) {
                throw invalid("tensor '" + name + "' is " + g.dtype().name().toLowerCase() + " (expected: float32)");
            }
            gradients.add(g);
        }
        return new ShardGradient(gradients, lossSum, samples);
    }

    private ProtocolException invalid(String problem) {
        return ProtocolException.invalid("step " + step + ", shard " + shard + ": " + problem);
    }
}
