package dev.chainrule.train;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.kernels.FloatKernels;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds shard gradients in the order they are given and turns the sum into the mean gradient over
 * the batch. The float32 additions happen in a fixed order (shard 0 + shard 1 + …, then one division
 * by the sample count), so the result is the same bits however the shards were computed.
 *
 * <p>Lifecycle: {@link #add} once per shard in shard order, then {@link #mean}; {@link #reset}
 * before the next batch. The shards' tensors are read by {@link #mean}, not copied by {@link #add},
 * so they must stay unchanged until then. Not thread-safe.
 */
public final class GradientSum {
    private final List<Tensor> parameters;
    private final List<Tensor> means = new ArrayList<>();
    private final List<List<Tensor>> shards = new ArrayList<>();
    private double lossSum;
    private int samples;

    /** A sum for gradients shaped like {@code parameters}. */
    public GradientSum(List<Tensor> parameters) {
        this.parameters = List.copyOf(parameters);
        for (Tensor p : parameters) {
            means.add(Tensor.wrap(p.shape(), Storage.allocateLasting(DType.FLOAT32, p.size())));
        }
    }

    /** Adds one shard's gradients, loss sum and sample count; a shard that does not fit is rejected whole. */
    public void add(ShardGradient shard) {
        List<Tensor> gradients = shard.gradients();
        if (gradients.size() != parameters.size()) {
            throw new IllegalArgumentException(gradients.size() + " gradients for " + parameters.size() + " parameters");
        }
        for (int i = 0; i < parameters.size(); i++) {
            Tensor g = gradients.get(i);
            Tensor p = parameters.get(i);
            if (!g.shape().equals(p.shape()) || g.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("gradient " + i + " is " + g.describe() + " (expected: float32 "
                        + p.shape() + " for " + p.name() + ")");
            }
        }
        shards.add(List.copyOf(gradients));
        lossSum += shard.lossSum();
        samples += shard.samples();
    }

    /**
     * The summed gradients divided by the number of samples added: the gradient of the mean loss.
     * The tensors are this sum's own and are overwritten by the next call.
     */
    public List<Tensor> mean() {
        if (samples == 0) {
            throw new IllegalStateException("no samples were added");
        }
        float count = samples;
        for (int i = 0; i < means.size(); i++) {
            FloatBuffer mean = floats(means.get(i));
            FloatBuffer first = floats(shards.get(0).get(i));
            int n = mean.capacity();
            mean.put(0, first, 0, n);
            for (int s = 1; s < shards.size(); s++) {
                FloatBuffer g = floats(shards.get(s).get(i));
                for (int j = 0; j < n; j++) {
                    mean.put(j, mean.get(j) + g.get(j));
                }
            }
            FloatKernels.divide(mean, count, mean, n);
        }
        return List.copyOf(means);
    }

    private static FloatBuffer floats(Tensor t) {
        return ((Storage.Float32) t.storage()).buffer();
    }

    /** The mean loss over the samples added. */
    public double meanLoss() {
        return lossSum / samples;
    }

    /** Number of samples added. */
    public int samples() {
        return samples;
    }

    /** Forgets everything added. */
    public void reset() {
        shards.clear();
        lossSum = 0;
        samples = 0;
    }
}
