package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same training run gives the same bits every time, whatever the number of threads that compute
 * its shards side by side: buffers recycled from step to step, on every thread.
 */
class TrainingDeterminismTest {
    private static final ModelSpec SPEC = ModelSpec.of(96, 300, 200, 10);
    private static final Dataset DATA = SyntheticData.random("random", 512, 96, 10, 23);
    private static final List<float[]> ONE_THREAD = train(1);

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 3, 5})
    void everyThreadCountGivesTheWeightsOfOne(int threads) {
        for (int repeat = 0; repeat < 2; repeat++) {
            List<float[]> again = train(threads);
            for (int p = 0; p < ONE_THREAD.size(); p++) {
                assertArrayEquals(ONE_THREAD.get(p), again.get(p), threads + " threads, repeat " + repeat + ", parameter " + p);
            }
        }
    }

    /** 12 Adam steps at batch 256 in 4 shards (the last step's batch 250, its shards uneven) on {@code threads} threads; the final weights. */
    private static List<float[]> train(int threads) {
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 3);
        try (LocalShardExecutor executor = new LocalShardExecutor(model, DATA, threads)) {
            TrainingStep step = new TrainingStep(model, Optimizers.create("adam", OptimizerSettings.defaults()), executor, 4);
            int[] batch = new int[256];
            for (int s = 0; s < 12; s++) {
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = (i * 37 + s * 11) % DATA.size();
                }
                step.run(s, batch, s == 11 ? 250 : batch.length, 1e-3);
            }
        }
        List<float[]> weights = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            weights.add(p.toFloatArray());
        }
        return weights;
    }
}
