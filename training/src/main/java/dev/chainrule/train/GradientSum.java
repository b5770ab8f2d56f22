package dev.chainrule.train;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds shard gradients in the order they are given and turns the sum into the mean gradient over
 * the batch. The float32 additions happen in a fixed order, so the result is the same bits however
 * the shards were computed. Lifecycle: {@link #add} once per shard in shard order, then
 * {@link #mean}; {@link #reset} before the next batch. Not thread-safe.
 */
public final class GradientSum {
    private final List<float[]> sums = new ArrayList<>();
    private final List<Tensor> shapes;
    private double lossSum;
    private int samples;

    /** A sum for gradients shaped like {@code parameters}. */
    public GradientSum(List<Tensor> parameters) {
        this.shapes = List.copyOf(parameters);
        for (Tensor p : parameters) {
            sums.add(new float[p.size()]);
        }
    }

    /** Adds one shard's gradients, loss sum and sample count; a shard that does not fit is rejected whole. */
    public void add(ShardGradient shard) {
        List<Tensor> gradients = shard.gradients();
        if (gradients.size() != sums.size()) {
            throw new IllegalArgumentException(gradients.size() + " gradients for " + sums.size() + " parameters");
        }
        for (int i = 0; i < sums.size(); i++) {
            Tensor g = gradients.get(i);
            if (!g.shape().equals(shapes.get(i).shape()) || g.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("gradient " + i + " is " + g.describe() + " (expected: float32 "
                        + shapes.get(i).shape() + " for " + shapes.get(i).name() + ")");
            }
        }
        for (int i = 0; i < sums.size(); i++) {
            float[] sum = sums.get(i);
            float[] values = ((Storage.Float32) gradients.get(i).storage()).array();
            for (int j = 0; j < sum.length; j++) {
                sum[j] += values[j];
            }
        }
        lossSum += shard.lossSum();
        samples += shard.samples();
    }

    /** The summed gradients divided by the number of samples added: the gradient of the mean loss. */
    public List<Tensor> mean() {
        if (samples == 0) {
            throw new IllegalStateException("no samples were added");
        }
        List<Tensor> means = new ArrayList<>(sums.size());
        for (int i = 0; i < sums.size(); i++) {
            float[] sum = sums.get(i);
            float[] mean = new float[sum.length];
            for (int j = 0; j < sum.length; j++) {
                mean[j] = sum[j] / samples;
            }
            means.add(Tensor.wrap(shapes.get(i).shape(), Storage.wrap(mean)));
        }
        return means;
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
        for (float[] sum : sums) {
            java.util.Arrays.fill(sum, 0f);
        }
        lossSum = 0;
        samples = 0;
    }
}
