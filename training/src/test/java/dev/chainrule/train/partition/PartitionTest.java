package dev.chainrule.train.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerSettings;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionTest {
    private static final OptimizerSettings SETTINGS = OptimizerSettings.defaults();

    private static List<Tensor> smallModel() {
        return RandomSteps.parameters(ParameterPartitionsTest.smallModel(), 9);
    }

    @Test
    void aPartitionsWeightsAreCopiesOfItsPiecesNamedAfterThem() {
        List<Tensor> parameters = smallModel();
        ParameterPartitions plan = ParameterPartitions.of(parameters, 3);
        Partition partition = Partition.create(plan, 2, parameters, "adam", SETTINGS);
        assertEquals(2, partition.index());
        assertEquals(plan.pieces(2), partition.pieces());
        assertEquals(List.of("fc1.weight[81:91]", "fc1.bias[0:7]", "fc2.weight[0:21]", "fc2.bias[0:3]"),
                partition.weights().stream().map(Tensor::name).toList());
        Tensor first = partition.weights().get(0);
        assertEquals(Shape.of(10), first.shape());
        assertArrayEquals(Arrays.copyOfRange(parameters.get(0).toFloatArray(), 81, 91), first.toFloatArray());
        parameters.get(0).fill(0);
        assertArrayEquals(Arrays.copyOfRange(smallModel().get(0).toFloatArray(), 81, 91), first.toFloatArray(),
                "the partition's weights share no memory with the parameters");
    }

    @Test
    void aGradientPieceIsACopyOfThePiecesElements() {
        List<Tensor> parameters = smallModel();
        ParameterPartitions plan = ParameterPartitions.of(parameters, 3);
        Partition partition = Partition.create(plan, 1, parameters, "sgd", SETTINGS); // fc1.weight[40:81]
        Tensor gradient = Tensor.uniform(DType.FLOAT32, 4, -1, 1, 13, 7);
        Tensor piece = partition.gradientPiece(0, gradient);
        assertEquals(Shape.of(41), piece.shape());
        assertArrayEquals(Arrays.copyOfRange(gradient.toFloatArray(), 40, 81), piece.toFloatArray());
        gradient.fill(0);
        assertArrayEquals(Arrays.copyOfRange(Tensor.uniform(DType.FLOAT32, 4, -1, 1, 13, 7).toFloatArray(), 40, 81), piece.toFloatArray(),
                "a copy, not a view");
        assertEquals("gradient tensor [7, 13] float32 for piece 'fc1.weight[40:81]' (expected: float32 [13, 7], like parameter"
                + " 'fc1.weight')", assertThrows(IllegalArgumentException.class,
                        () -> partition.gradientPiece(0, Tensor.zeros(DType.FLOAT32, 7, 13))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> partition.gradientPiece(0, Tensor.zeros(DType.FLOAT64, 13, 7)));
    }

    @Test
    void writeIntoFillsOnlyThePartitionsElementsAndBumpsTheirVersions() {
        List<Tensor> parameters = smallModel();
        ParameterPartitions plan = ParameterPartitions.of(parameters, 2); // [0, 61) and [61, 122)
        Partition partition = Partition.create(plan, 0, parameters, "sgd", SETTINGS);
        List<Tensor> target = parameters.stream().map(p -> Tensor.zeros(DType.FLOAT32, p.shape()).named(p.name())).toList();
        int[] versions = target.stream().mapToInt(Tensor::version).toArray();
        partition.writeInto(target);
        float[] weight = target.get(0).toFloatArray();
        assertArrayEquals(Arrays.copyOfRange(parameters.get(0).toFloatArray(), 0, 61), Arrays.copyOfRange(weight, 0, 61));
        assertArrayEquals(new float[30], Arrays.copyOfRange(weight, 61, 91), "partition 1's elements");
        assertEquals(versions[0] + 1, target.get(0).version());
        assertEquals(versions[1], target.get(1).version(), "fc1.bias is partition 1's");
    }

    @Test
    void parametersUnlikeThePlansAreRejected() {
        List<Tensor> parameters = smallModel();
        ParameterPartitions plan = ParameterPartitions.of(parameters, 2);
        List<Tensor> renamed = List.of(parameters.get(0), parameters.get(1), parameters.get(2), Tensor.zeros(DType.FLOAT32, 3).named("out.bias"));
        assertEquals("parameter 3 is tensor 'out.bias' [3] float32 (expected: float32 [3] 'fc2.bias', as in the plan)",
                assertThrows(IllegalArgumentException.class, () -> Partition.create(plan, 0, renamed, "sgd", SETTINGS)).getMessage());
        assertEquals("3 parameters (expected: 4, the plan's [fc1.weight, fc1.bias, fc2.weight, fc2.bias])",
                assertThrows(IllegalArgumentException.class, () -> Partition.create(plan, 0, parameters.subList(0, 3), "sgd", SETTINGS))
                        .getMessage());
        Partition partition = Partition.create(plan, 1, parameters, "sgd", SETTINGS);
        assertThrows(IllegalArgumentException.class, () -> partition.writeInto(renamed));
    }

    @Test
    void importStateRefusesAnotherPartitionsState() {
        List<Tensor> initial = smallModel();
        WholeRun whole = new WholeRun(initial, "momentum", SETTINGS);
        RandomSteps.steps(initial, 1, 2).forEach(whole::step);
        ParameterPartitions plan = ParameterPartitions.of(initial, 2);
        Partition partition = Partition.create(plan, 1, initial, "momentum", SETTINGS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> partition.importState(PartitionStates.split(plan, whole.state()).get(0)));
        assertTrue(e.getMessage().contains("fc1.weight[61:91]"), e.getMessage());
        assertEquals(0, partition.exportState().stepCount(), "nothing imported");
    }
}
