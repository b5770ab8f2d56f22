package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A training step, whose optimiser divides the gradient sums by the batch size inside its update,
 * gives the same bits as the plain sequence it replaces: shard gradients added in shard order, the
 * sums divided by the batch size into mean gradients, then an optimiser step on those.
 */
class TrainingStepTest {
    private static final ModelSpec SPEC = ModelSpec.of(4, 5, 3);
    private static final Dataset DATA = SyntheticData.random("random", 16, 4, 3, 17);
    private static final OptimizerSettings SETTINGS = OptimizerSettings.defaults().withWeightDecay(0.01);

    @ParameterizedTest(name = "{0}, batch {1}, {2} shards")
    @CsvSource({"sgd, 16, 1", "sgd, 12, 3", "momentum, 16, 3", "momentum, 12, 1", "adam, 16, 1", "adam, 12, 3"})
    void matchesSummingDividingAndSteppingBitForBit(String kind, int batchSize, int shards) {
        Mlp fused = Mlp.initialized(SPEC, Activation.RELU, 5);
        Mlp plain = Mlp.initialized(SPEC, Activation.RELU, 5);
        TrainingStep step = new TrainingStep(fused, Optimizers.create(kind, SETTINGS),
                new LocalShardExecutor(fused, DATA), shards);
        Optimizer optimizer = Optimizers.create(kind, SETTINGS);
        int[] batch = new int[batchSize];
        for (int s = 1; s <= 4; s++) {
            for (int i = 0; i < batchSize; i++) {
                batch[i] = (i * 7 + s) % DATA.size();
            }
            double loss = step.run(s, batch, batchSize, 0.1);
            assertEquals(plainStep(plain, optimizer, batch, shards, 0.1), loss, 0, "loss of step " + s);
            for (int p = 0; p < fused.parameters().size(); p++) {
                assertArrayEquals(plain.parameters().get(p).toFloatArray(), fused.parameters().get(p).toFloatArray(),
                        kind + ", step " + s + ": " + fused.parameters().get(p).name());
            }
        }
    }

    /** Sums the shards' gradients in order, divides them by the batch size, steps; returns the mean loss. */
    private static double plainStep(Mlp model, Optimizer optimizer, int[] batch, int shards, double rate) {
        ShardPlan plan = new ShardPlan(batch.length, shards);
        List<float[]> sums = new ArrayList<>();
        double lossSum = 0;
        for (int s = 0; s < plan.shards(); s++) {
            int[] samples = Arrays.copyOfRange(batch, plan.start(s), plan.start(s) + plan.size(s));
            ShardGradient shard = LocalShardExecutor.shardGradient(model, DATA, samples);
            for (int p = 0; p < shard.gradients().size(); p++) {
                float[] g = shard.gradients().get(p).toFloatArray();
                if (s == 0) {
                    sums.add(g);
                } else {
                    for (int e = 0; e < g.length; e++) {
                        sums.get(p)[e] += g[e];
                    }
                }
            }
            lossSum += shard.lossSum();
        }
        List<Tensor> means = new ArrayList<>();
        for (int p = 0; p < sums.size(); p++) {
            float[] mean = sums.get(p);
            for (int e = 0; e < mean.length; e++) {
                mean[e] /= batch.length;
            }
            means.add(Tensor.of(mean, model.parameters().get(p).shape().dims()));
        }
        optimizer.step(model.parameters(), means, rate);
        return lossSum / batch.length;
    }
}
