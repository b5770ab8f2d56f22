package dev.chainrule.train;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds shard gradients in the order they are given, for an optimiser that divides the sums by the
 * sample count inside its update ({@link dev.chainrule.optim.Optimizer#step(List, List, float, double)}).
 * The float32 additions happen in a fixed order (shard 0 + shard 1 + …), so the sums, and the mean
 * the optimiser makes of them, are the same bits however the shards were computed.
 *
 * <p>Lifecycle: {@link #add} once per shard in shard order, then {@link #sums}; {@link #reset}
 * before the next batch. The shards' tensors are read by {@link #sums}, not copied by {@link #add},
 * so they must stay unchanged until then (and, with a single shard, until its sums are used). Not
 * thread-safe.
 */
public final class GradientSum {
    private final List<Tensor> parameters;
    private final List<Tensor> totals = new ArrayList<>();
    private final List<List<Tensor>> shards = new ArrayList<>();
    private double lossSum;
    private int samples;

    /** A sum for gradients shaped like {@code parameters}. */
    public GradientSum(List<Tensor> parameters) {
        this.parameters = List.copyOf(parameters);
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
     * The gradients summed over the shards added, in shard order: the gradient of the summed loss;
     * divided by {@link #samples()} they are the gradient of the mean loss. With one shard these are
     * that shard's own tensors (nothing is copied); with several they are this sum's own tensors,
     * overwritten by the next call.
     */
    public List<Tensor> sums() {
        if (shards.isEmpty()) {
            throw new IllegalStateException("no samples were added");
        }
        if (shards.size() == 1) {
            return shards.get(0);
        }
        if (totals.isEmpty()) {
            for (Tensor p : parameters) {
                totals.add(Tensor.wrap(p.shape(), Storage.allocateLasting(DType.FLOAT32, p.size())));
            }
        }
        for (int i = 0; i < totals.size(); i++) {
            FloatBuffer total = floats(totals.get(i));
            FloatBuffer first = floats(shards.get(0).get(i));
            FloatBuffer second = floats(shards.get(1).get(i));
            int n = total.capacity();
            for (int j = 0; j < n; j++) {
                total.put(j, first.get(j) + second.get(j));
            }
            for (int s = 2; s < shards.size(); s++) {
                FloatBuffer g = floats(shards.get(s).get(i));
                for (int j = 0; j < n; j++) {
                    total.put(j, total.get(j) + g.get(j));
                }
            }
        }
        return List.copyOf(totals);
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
