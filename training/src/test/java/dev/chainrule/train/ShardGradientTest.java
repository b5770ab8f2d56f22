package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.chainrule.autodiff.Autograd;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.ops.Functional;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Linear;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A shard's gradient of the summed loss, and the mean over shards as the gradient of the batch's mean loss. */
class ShardGradientTest {
    private static final ModelSpec SPEC = ModelSpec.of(4, 5, 3);
    private static final int BATCH = 12;
    private static final Dataset DATA = SyntheticData.random("random", BATCH, 4, 3, 17);

    private static float[] features(int start, int count) {
        float[] x = new float[count * 4];
        int[] y = new int[count];
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = start + i;
        }
        DATA.copyBatch(indices, x, y);
        return x;
    }

    private static int[] labels(int start, int count) {
        int[] y = new int[count];
        for (int i = 0; i < count; i++) {
            y[i] = DATA.label(start + i);
        }
        return y;
    }

    private static Tensor batch(int start, int count) {
        return Tensor.wrap(Shape.of(count, 4), Storage.copyOf(features(start, count)));
    }

    /** The summed loss of the same model in float64, with float64 copies of its parameters. */
    private static List<Tensor> float64Gradient(Mlp model, int start, int count, double[] lossOut) {
        List<Tensor> params = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            params.add(p.to(DType.FLOAT64).requiresGrad(true));
        }
        Tensor h = batch(start, count).to(DType.FLOAT64);
        for (int i = 0; i < params.size() / 2; i++) {
            h = new Linear(params.get(2 * i), params.get(2 * i + 1)).forward(h);
            if (i < params.size() / 2 - 1) {
                h = model.activation().apply(h);
            }
        }
        Tensor loss = Functional.crossEntropySum(h, labels(start, count));
        lossOut[0] = loss.item();
        return Autograd.grad(loss, params);
    }

    @Test
    void shardGradientIsTheGradientOfTheSummedLoss() {
        Mlp model = Mlp.initialized(SPEC, Activation.TANH, 5);
        ShardGradient g = ShardGradient.compute(model, batch(0, BATCH), labels(0, BATCH));
        double[] loss = new double[1];
        List<Tensor> expected = float64Gradient(model, 0, BATCH, loss);
        assertEquals(BATCH, g.samples());
        assertEquals(loss[0], g.lossSum(), 1e-5 * loss[0]);
        assertEquals(model.parameters().size(), g.gradients().size());
        for (int i = 0; i < expected.size(); i++) {
            Tensor actual = g.gradients().get(i);
            assertEquals(DType.FLOAT32, actual.dtype());
            assertEquals(model.parameters().get(i).shape(), actual.shape());
            double[] want = expected.get(i).toDoubleArray();
            double[] got = actual.toDoubleArray();
            for (int e = 0; e < want.length; e++) {
                assertEquals(want[e], got[e], 1e-5 * Math.max(1, Math.abs(want[e])), model.parameters().get(i).name() + "[" + e + "]");
            }
        }
    }

    @Test
    void summedNotAveraged() {
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 6);
        // the same sample twice gives twice the gradient of once
        Tensor once = batch(3, 1);
        float[] row = features(3, 1);
        float[] twice = Arrays.copyOf(row, 8);
        System.arraycopy(row, 0, twice, 4, 4);
        ShardGradient one = ShardGradient.compute(model, once, labels(3, 1));
        ShardGradient two = ShardGradient.compute(model, Tensor.of(twice, 2, 4), new int[] {DATA.label(3), DATA.label(3)});
        assertEquals(2 * one.lossSum(), two.lossSum(), 1e-6);
        for (int i = 0; i < one.gradients().size(); i++) {
            double[] a = one.gradients().get(i).toDoubleArray();
            double[] b = two.gradients().get(i).toDoubleArray();
            for (int e = 0; e < a.length; e++) {
                assertEquals(2 * a[e], b[e], 1e-6 * Math.max(1, Math.abs(b[e])));
            }
        }
    }

    @Test
    void computingLeavesTheParametersAloneAndRepeats() {
        Mlp model = Mlp.initialized(SPEC, Activation.SIGMOID, 7);
        float[][] before = model.parameters().stream().map(Tensor::toFloatArray).toArray(float[][]::new);
        ShardGradient first = ShardGradient.compute(model, batch(0, 6), labels(0, 6));
        ShardGradient second = ShardGradient.compute(model, batch(0, 6), labels(0, 6));
        for (int i = 0; i < before.length; i++) {
            Tensor p = model.parameters().get(i);
            assertNull(p.grad(), p.name() + " accumulated a gradient");
            assertArrayEquals(before[i], p.toFloatArray(), p.name());
            assertArrayEquals(first.gradients().get(i).toFloatArray(), second.gradients().get(i).toFloatArray(), p.name());
        }
        assertEquals(first.lossSum(), second.lossSum(), 0);
    }

    @ParameterizedTest(name = "{0} shards")
    @ValueSource(ints = {1, 2, 3, 5, 12, 16})
    void sumOverShardsDividedByTheBatchIsTheGradientOfTheMeanLoss(int shards) {
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 8);
        Tensor meanLoss = Functional.crossEntropy(model.forward(batch(0, BATCH)), labels(0, BATCH));
        List<Tensor> expected = Autograd.grad(meanLoss, model.parameters());

        ShardPlan plan = new ShardPlan(BATCH, shards);
        List<float[]> sums = new ArrayList<>();
        double lossSum = 0;
        int samples = 0;
        for (int s = 0; s < plan.shards(); s++) {
            if (plan.size(s) > 0) {
                ShardGradient shard = ShardGradient.compute(model, batch(plan.start(s), plan.size(s)), labels(plan.start(s), plan.size(s)));
                for (int i = 0; i < shard.gradients().size(); i++) {
                    float[] g = shard.gradients().get(i).toFloatArray();
                    if (sums.size() == i) {
                        sums.add(g);
                    } else {
                        for (int e = 0; e < g.length; e++) {
                            sums.get(i)[e] += g[e];
                        }
                    }
                }
                lossSum += shard.lossSum();
                samples += shard.samples();
            }
        }
        assertEquals(BATCH, samples);
        assertEquals(meanLoss.item(), lossSum / samples, 1e-6 * Math.max(1, meanLoss.item()));
        for (int i = 0; i < expected.size(); i++) {
            double[] want = expected.get(i).toDoubleArray();
            float[] got = sums.get(i);
            for (int e = 0; e < want.length; e++) {
                assertEquals(want[e], got[e] / BATCH, 1e-6 + 1e-5 * Math.abs(want[e]),
                        shards + " shards: " + model.parameters().get(i).name() + "[" + e + "]");
            }
        }
    }
}
