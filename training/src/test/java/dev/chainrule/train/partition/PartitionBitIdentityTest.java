package dev.chainrule.train.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.OptimizerState;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * K partitions against the whole model's {@code StepReduction} and optimiser, step by step: every
 * weight's bits, the loss, and the merged optimiser state's buffers and step count, for every K and
 * every optimiser kind with weight decay and a changing learning rate.
 */
class PartitionBitIdentityTest {
    private static final OptimizerSettings SETTINGS = OptimizerSettings.defaults().withMomentum(0.8).withWeightDecay(0.01);
    private static final int STEPS = 6;

    private static List<Tensor> smallModel() {
        return RandomSteps.parameters(ParameterPartitionsTest.smallModel(), 5);
    }

    private static int[] partitionCounts(List<Tensor> parameters) {
        int total = parameters.stream().mapToInt(Tensor::size).sum();
        return new int[] {1, 2, 3, 5, 7, total};
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "momentum", "adam"})
    void kPartitionsGiveTheWholeModelsBitsAtEveryStep(String kind) {
        List<Tensor> initial = smallModel();
        List<RandomSteps.Step> steps = RandomSteps.steps(initial, STEPS, 23);
        for (int k : partitionCounts(initial)) {
            WholeRun whole = new WholeRun(initial, kind, SETTINGS);
            PartitionedRun partitioned = PartitionedRun.start(initial, k, kind, SETTINGS);
            for (int s = 0; s < STEPS; s++) {
                String where = kind + " K=" + k + " step " + s;
                double loss = whole.step(steps.get(s));
                assertEquals(Double.doubleToRawLongBits(loss), Double.doubleToRawLongBits(partitioned.step(steps.get(s))), where);
                assertSameRun(whole, partitioned, where);
            }
            assertNotEquals(initial.get(0).toFloatArray()[0], whole.parameters().get(0).toFloatArray()[0], "the weights moved");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "momentum", "adam"})
    void aRunResumesWithAnotherKFromTheMergedStateWithTheSameBits(String kind) {
        List<Tensor> initial = smallModel();
        List<RandomSteps.Step> steps = RandomSteps.steps(initial, STEPS, 29);
        WholeRun whole = new WholeRun(initial, kind, SETTINGS);
        for (RandomSteps.Step step : steps) {
            whole.step(step);
        }
        int[][] changes = {{3, 5}, {7, 1}, {122, 2}, {1, 122}, {2, 7}, {5, 5}};
        for (int[] change : changes) {
            String where = kind + " K=" + change[0] + " then K=" + change[1];
            PartitionedRun before = PartitionedRun.start(initial, change[0], kind, SETTINGS);
            for (RandomSteps.Step step : steps.subList(0, 3)) {
                before.step(step);
            }
            OptimizerState checkpoint = before.state();
            assertEquals(3, checkpoint.stepCount(), where);
            PartitionedRun after = PartitionedRun.resume(before.weights(), checkpoint, change[1], kind, SETTINGS);
            for (RandomSteps.Step step : steps.subList(3, STEPS)) {
                after.step(step);
            }
            assertSameRun(whole, after, where);
        }
    }

    @Test
    void anMlpsParametersGiveTheSameBitsInEveryPartitionCount() {
        Mlp model = Mlp.initialized(ModelSpec.of(10, 6, 3), Activation.RELU, 11);
        List<RandomSteps.Step> steps = RandomSteps.steps(model.parameters(), STEPS, 31);
        for (int k : partitionCounts(model.parameters())) {
            WholeRun whole = new WholeRun(model.parameters(), "adam", SETTINGS);
            PartitionedRun partitioned = PartitionedRun.start(model.parameters(), k, "adam", SETTINGS);
            for (RandomSteps.Step step : steps) {
                whole.step(step);
                partitioned.step(step);
            }
            assertSameRun(whole, partitioned, "mlp K=" + k);
        }
        Mlp trained = Mlp.initialized(ModelSpec.of(10, 6, 3), Activation.RELU, 11);
        PartitionedRun partitioned = PartitionedRun.start(trained.parameters(), 4, "adam", SETTINGS);
        for (RandomSteps.Step step : steps) {
            partitioned.step(step);
        }
        int version = trained.parameters().get(0).version();
        partitioned.partitions().forEach(p -> p.writeInto(trained.parameters()));
        assertEquals(version + 3, trained.parameters().get(0).version(), "fc1.weight, elements [0, 60) of 87, spans partitions 0, 1 and 2");
        Bits.assertSameTensors(partitioned.weights(), trained.parameters(), "written into the model's own parameters");
    }

    /** The same weights, merged state, and partition states as the whole state split. */
    private static void assertSameRun(WholeRun whole, PartitionedRun partitioned, String where) {
        Bits.assertSameTensors(whole.parameters(), partitioned.weights(), where + ": weights");
        Bits.assertSameState(whole.state(), partitioned.state(), where + ": merged state");
        List<OptimizerState> split = PartitionStates.split(partitioned.plan(), whole.state());
        List<OptimizerState> states = partitioned.states();
        for (int j = 0; j < split.size(); j++) {
            Bits.assertSameState(split.get(j), states.get(j), where + ": partition " + j + "'s state");
        }
    }
}
