package dev.chainrule.train.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.OptimizerState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionStatesTest {
    private static final OptimizerSettings SETTINGS = OptimizerSettings.defaults().withWeightDecay(0.01);

    /** The whole model's state after {@code steps} steps of a {@code kind} optimiser. */
    private static OptimizerState trained(List<Tensor> initial, String kind, int steps) {
        WholeRun run = new WholeRun(initial, kind, SETTINGS);
        RandomSteps.steps(initial, steps, 41).forEach(run::step);
        return run.state();
    }

    private static List<Tensor> smallModel() {
        return RandomSteps.parameters(ParameterPartitionsTest.smallModel(), 3);
    }

    @Test
    void splitThenMergeIsTheIdentityForEveryKindStepAndK() {
        List<Tensor> initial = smallModel();
        for (String kind : List.of("sgd", "momentum", "adam")) {
            for (int steps : new int[] {0, 1, 3}) {
                OptimizerState whole = trained(initial, kind, steps);
                for (int k = 1; k <= 122; k++) {
                    ParameterPartitions plan = ParameterPartitions.of(initial, k);
                    List<OptimizerState> parts = PartitionStates.split(plan, whole);
                    assertEquals(k, parts.size());
                    Bits.assertSameState(whole, PartitionStates.merge(plan, parts), kind + " after " + steps + " steps, K=" + k);
                }
            }
        }
    }

    @Test
    void aPartitionsStateHoldsItsPiecesSlicesOfEachBuffer() {
        List<Tensor> initial = smallModel();
        OptimizerState whole = trained(initial, "adam", 2);
        ParameterPartitions plan = ParameterPartitions.of(initial, 3); // partition 2: fc1.weight[81:91], fc1.bias, fc2.*
        OptimizerState part = PartitionStates.split(plan, whole).get(2);
        assertEquals("adam", part.kind());
        assertEquals(2, part.stepCount());
        assertEquals(List.of("fc1.weight[81:91].exp_avg", "fc1.weight[81:91].exp_avg_sq", "fc1.bias[0:7].exp_avg",
                "fc1.bias[0:7].exp_avg_sq", "fc2.weight[0:21].exp_avg", "fc2.weight[0:21].exp_avg_sq", "fc2.bias[0:3].exp_avg",
                "fc2.bias[0:3].exp_avg_sq"), new ArrayList<>(part.buffers().keySet()));
        Tensor slice = part.buffers().get("fc1.weight[81:91].exp_avg_sq");
        assertEquals(Shape.of(10), slice.shape());
        float[] all = whole.buffers().get("fc1.weight.exp_avg_sq").toFloatArray();
        for (int i = 0; i < 10; i++) {
            assertEquals(Float.floatToRawIntBits(all[81 + i]), Float.floatToRawIntBits(slice.toFloatArray()[i]), "element " + i);
        }
    }

    @Test
    void aParameterWithoutElementsGetsItsEmptyBuffersBack() {
        LinkedHashMap<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("a", Shape.of(3));
        shapes.put("none", Shape.of(0, 4));
        shapes.put("b", Shape.of(2));
        List<Tensor> initial = RandomSteps.parameters(shapes, 1);
        OptimizerState whole = trained(initial, "momentum", 2);
        assertTrue(whole.buffers().containsKey("none.momentum_buffer"));
        for (int k = 1; k <= 5; k++) {
            ParameterPartitions plan = ParameterPartitions.of(initial, k);
            Bits.assertSameState(whole, PartitionStates.merge(plan, PartitionStates.split(plan, whole)), "K=" + k);
        }
    }

    @Test
    void mergeRefusesStatesThatDisagreeOrDoNotFitThePlan() {
        List<Tensor> initial = smallModel();
        ParameterPartitions plan = ParameterPartitions.of(initial, 3);
        List<OptimizerState> parts = PartitionStates.split(plan, trained(initial, "adam", 2));
        assertEquals("2 partition states (expected: 3, one per partition of the plan)",
                message(() -> PartitionStates.merge(plan, parts.subList(0, 2))));

        List<OptimizerState> later = replaced(parts, 1, OptimizerState.of("adam", 3, parts.get(1).buffers()));
        assertEquals("partition 1's state is a 'adam' optimizer's after 3 steps (expected: a 'adam' optimizer's after 2 steps,"
                + " as partition 0's)", message(() -> PartitionStates.merge(plan, later)));

        List<OptimizerState> otherKind = replaced(parts, 2, OptimizerState.of("momentum", 2, parts.get(2).buffers()));
        assertTrue(message(() -> PartitionStates.merge(plan, otherKind)).startsWith("partition 2's state is a 'momentum' optimizer's"));

        LinkedHashMap<String, Tensor> missing = parts.get(2).buffers();
        missing.remove("fc1.bias[0:7].exp_avg_sq");
        assertTrue(message(() -> PartitionStates.merge(plan, replaced(parts, 2, OptimizerState.of("adam", 2, missing))))
                .startsWith("partition 2's state has no buffer 'fc1.bias[0:7].exp_avg_sq' (it has ['fc1.weight[81:91].exp_avg',"));

        LinkedHashMap<String, Tensor> alone = parts.get(1).buffers(); // partition 1 is one piece: fc1.weight[40:81]
        alone.remove("fc1.weight[40:81].exp_avg_sq");
        assertEquals("partition 1's state keeps buffers [exp_avg] of each piece (expected: [exp_avg, exp_avg_sq], as partition 0's)",
                message(() -> PartitionStates.merge(plan, replaced(parts, 1, OptimizerState.of("adam", 2, alone)))));

        LinkedHashMap<String, Tensor> stray = parts.get(0).buffers();
        stray.put("fc1.weight[40:81].exp_avg", Tensor.zeros(DType.FLOAT32, 41));
        assertTrue(message(() -> PartitionStates.merge(plan, replaced(parts, 0, OptimizerState.of("adam", 2, stray))))
                .startsWith("partition 0's state has buffer 'fc1.weight[40:81].exp_avg', which is not named <holder>.<buffer>"
                        + " for one of its holders ['fc1.weight[0:40]']"));

        LinkedHashMap<String, Tensor> misshapen = parts.get(0).buffers();
        misshapen.put("fc1.weight[0:40].exp_avg", Tensor.zeros(DType.FLOAT32, 41));
        assertEquals("partition 0's state has buffer 'fc1.weight[0:40].exp_avg' [41] float32 (expected: float32 [40], like"
                + " 'fc1.weight[0:40]')", message(() -> PartitionStates.merge(plan, replaced(parts, 0, OptimizerState.of("adam", 2, misshapen)))));

        LinkedHashMap<String, Tensor> otherBuffers = new LinkedHashMap<>();
        otherBuffers.put("fc1.weight[40:81].momentum_buffer", Tensor.zeros(DType.FLOAT32, 41));
        assertEquals("partition 1's state keeps buffers [momentum_buffer] of each piece (expected: [exp_avg, exp_avg_sq],"
                + " as partition 0's)", message(() -> PartitionStates.merge(plan, replaced(parts, 1, OptimizerState.of("adam", 2, otherBuffers)))));
    }

    @Test
    void splitRefusesAStateThatDoesNotFitTheParameters() {
        List<Tensor> initial = smallModel();
        ParameterPartitions plan = ParameterPartitions.of(initial, 2);
        LinkedHashMap<String, Tensor> buffers = trained(initial, "momentum", 1).buffers();
        buffers.put("fc3.weight.momentum_buffer", Tensor.zeros(DType.FLOAT32, 2));
        assertTrue(message(() -> PartitionStates.split(plan, OptimizerState.of("momentum", 1, buffers)))
                .startsWith("the whole model's state has buffer 'fc3.weight.momentum_buffer', which is not named <holder>.<buffer>"));
        buffers.remove("fc3.weight.momentum_buffer");
        buffers.put("fc1.bias.momentum_buffer", Tensor.zeros(DType.FLOAT32, 1, 7));
        assertEquals("the whole model's state has buffer 'fc1.bias.momentum_buffer' [1, 7] float32 (expected: float32 [7],"
                + " like 'fc1.bias')", message(() -> PartitionStates.split(plan, OptimizerState.of("momentum", 1, buffers))));
        buffers.remove("fc1.bias.momentum_buffer");
        assertEquals("the whole model's state has no buffer 'fc1.bias.momentum_buffer' (it has ['fc1.weight.momentum_buffer',"
                + " 'fc2.weight.momentum_buffer', 'fc2.bias.momentum_buffer'])",
                message(() -> PartitionStates.split(plan, OptimizerState.of("momentum", 1, buffers))));
        assertTrue(message(() -> PartitionStates.split(plan, OptimizerState.of("momentum", 0, buffers)))
                .startsWith("the whole model's state at step 0 has buffers ['fc1.weight.momentum_buffer'"));
    }

    private static List<OptimizerState> replaced(List<OptimizerState> parts, int j, OptimizerState state) {
        List<OptimizerState> copy = new ArrayList<>(parts);
        copy.set(j, state);
        return copy;
    }

    private static String message(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run).getMessage();
    }
}
