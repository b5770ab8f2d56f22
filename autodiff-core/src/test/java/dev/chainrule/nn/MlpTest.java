package dev.chainrule.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parameter names and shapes, forward values and loading weights of the MLP. */
class MlpTest {
    private static final ModelSpec TINY = ModelSpec.of(2, 3, 2);

    @Test
    void parameterShapesAreNamedLikePyTorchInLayerOrder() {
        LinkedHashMap<String, Shape> shapes = Mlp.parameterShapes(ModelSpec.parse("784-256-128-10"));
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"),
                new ArrayList<>(shapes.keySet()));
        assertEquals(Shape.of(256, 784), shapes.get("fc1.weight"));
        assertEquals(Shape.of(256), shapes.get("fc1.bias"));
        assertEquals(Shape.of(128, 256), shapes.get("fc2.weight"));
        assertEquals(Shape.of(128), shapes.get("fc2.bias"));
        assertEquals(Shape.of(10, 128), shapes.get("fc3.weight"));
        assertEquals(Shape.of(10), shapes.get("fc3.bias"));
        long total = shapes.values().stream().mapToLong(Shape::size).sum();
        assertEquals(ModelSpec.parse("784-256-128-10").parameterCount(), total);
    }

    @Test
    void initializedModelHasTheParametersItsSpecDescribes() {
        ModelSpec spec = ModelSpec.of(5, 7, 4, 3);
        Mlp model = Mlp.initialized(spec, Activation.TANH, 1);
        assertSame(spec, model.spec());
        assertSame(Activation.TANH, model.activation());
        LinkedHashMap<String, Shape> expected = Mlp.parameterShapes(spec);
        LinkedHashMap<String, Tensor> named = model.namedParameters();
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(named.keySet()));
        assertEquals(new ArrayList<>(named.values()), model.parameters());
        named.forEach((name, t) -> {
            assertEquals(expected.get(name), t.shape(), name);
            assertEquals(DType.FLOAT32, t.dtype(), name);
            assertTrue(t.requiresGrad(), name);
            assertTrue(t.isLeaf(), name);
            assertEquals(name, t.name());
        });
        assertThrows(UnsupportedOperationException.class, () -> model.parameters().add(Tensor.scalar(0)));
    }

    @Test
    void forwardGivesLogitsOfShapeBatchByClasses() {
        Mlp model = Mlp.initialized(ModelSpec.of(6, 5, 4), Activation.RELU, 3);
        Tensor x = Tensor.randn(DType.FLOAT32, 9, 7, 6);
        Tensor logits = model.forward(x);
        assertEquals(Shape.of(7, 4), logits.shape());
        assertEquals(DType.FLOAT32, logits.dtype());
    }

    /** fc1 [3, 2], fc2 [2, 3] with hand-picked values. */
    private static Map<String, Tensor> tinyWeights() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("fc1.weight", Tensor.of(new float[] {1, -1, 0.5f, 2, -1, 0}, 3, 2));
        w.put("fc1.bias", Tensor.of(new float[] {0.1f, -0.2f, 0.3f}, 3));
        w.put("fc2.weight", Tensor.of(new float[] {1, 0, -1, 2, 1, 0.5f}, 2, 3));
        w.put("fc2.bias", Tensor.of(new float[] {0, -1}, 2));
        return w;
    }

    @Test
    void forwardMatchesAHandComputationWithRelu() {
        Mlp model = Mlp.fromWeights(TINY, Activation.RELU, tinyWeights());
        Tensor x = Tensor.of(new float[] {1, 2, -1, 0.5f}, 2, 2);
        // row 1: fc1 = [1-2+0.1, 0.5+4-0.2, -1+0.3] = [-0.9, 4.3, -0.7] -> relu [0, 4.3, 0] -> fc2 = [0, 4.3-1] = [0, 3.3]
        // row 2: fc1 = [-1-0.5+0.1, -0.5+1-0.2, 1+0.3] = [-1.4, 0.3, 1.3] -> relu [0, 0.3, 1.3] -> [-1.3, 0.3+0.65-1]
        double[] expected = {0, 3.3, -1.3, -0.05};
        assertArrayEquals(expected, model.forward(x).toDoubleArray(), 1e-6);
    }

    @Test
    void forwardMatchesAHandComputationWithTanhAndSigmoid() {
        double[][] w1 = {{1, -1}, {0.5, 2}, {-1, 0}};
        double[] b1 = {0.1, -0.2, 0.3};
        double[][] w2 = {{1, 0, -1}, {2, 1, 0.5}};
        double[] b2 = {0, -1};
        double[][] xs = {{1, 2}, {-1, 0.5}, {0.25, -3}};
        for (Activation activation : List.of(Activation.TANH, Activation.SIGMOID)) {
            Mlp model = Mlp.fromWeights(TINY, activation, tinyWeights());
            Tensor x = Tensor.of(new float[] {1, 2, -1, 0.5f, 0.25f, -3}, 3, 2);
            double[] out = model.forward(x).toDoubleArray();
            for (int n = 0; n < xs.length; n++) {
                double[] h = new double[3];
                for (int j = 0; j < 3; j++) {
                    double z = b1[j] + w1[j][0] * xs[n][0] + w1[j][1] * xs[n][1];
                    h[j] = activation == Activation.TANH ? Math.tanh(z) : 1 / (1 + Math.exp(-z));
                }
                for (int k = 0; k < 2; k++) {
                    double y = b2[k] + w2[k][0] * h[0] + w2[k][1] * h[1] + w2[k][2] * h[2];
                    assertEquals(y, out[n * 2 + k], 1e-6, activation + " sample " + n + " class " + k);
                }
            }
        }
    }

    @Test
    void theLastLayerHasNoActivation() {
        // a single layer is purely linear: negative logits survive even with relu
        Map<String, Tensor> w = Map.of(
                "fc1.weight", Tensor.of(new float[] {-1, 0, 0, -2}, 2, 2),
                "fc1.bias", Tensor.of(new float[] {0, 0}, 2));
        Mlp model = Mlp.fromWeights(ModelSpec.of(2, 2), Activation.RELU, w);
        assertArrayEquals(new double[] {-3, -8}, model.forward(Tensor.of(new float[] {3, 4}, 1, 2)).toDoubleArray(), 0);
    }

    @Test
    void fromWeightsCopiesAndConvertsToFloat32() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        tinyWeights().forEach((name, t) -> w.put(name, t.to(DType.FLOAT64)));
        Mlp model = Mlp.fromWeights(TINY, Activation.RELU, w);
        LinkedHashMap<String, Tensor> params = model.namedParameters();
        assertEquals(new ArrayList<>(Mlp.parameterShapes(TINY).keySet()), new ArrayList<>(params.keySet()));
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            assertEquals(DType.FLOAT32, e.getValue().dtype(), e.getKey());
            assertEquals(e.getKey(), e.getValue().name());
            assertTrue(e.getValue().requiresGrad(), e.getKey());
            assertArrayEquals(w.get(e.getKey()).toFloatArray(), e.getValue().toFloatArray(), e.getKey());
        }
        // the model owns copies: changing the source afterwards does not change it
        w.get("fc1.weight").storage().set(0, 100);
        assertEquals(1.0, params.get("fc1.weight").getFlat(0), 0);
    }

    @Test
    void fromWeightsListsEveryProblem() {
        Map<String, Tensor> w = new LinkedHashMap<>(tinyWeights());
        w.put("fc1.weight", Tensor.zeros(DType.FLOAT32, 2, 3)); // transposed
        w.remove("fc2.bias");
        w.put("fc3.weight", Tensor.zeros(DType.FLOAT32, 2, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mlp.fromWeights(TINY, Activation.RELU, w));
        String message = e.getMessage();
        assertTrue(message.contains("2-3-2"), message);
        assertTrue(message.contains("fc1.weight has shape [2, 3] (expected: [3, 2])"), message);
        assertTrue(message.contains("missing fc2.bias [2]"), message);
        assertTrue(message.contains("unexpected fc3.weight"), message);
        assertEquals(3, message.split("; ").length, message);
    }

    @Test
    void fromWeightsRejectsABiasOfTheWrongRank() {
        Map<String, Tensor> w = new LinkedHashMap<>(tinyWeights());
        w.put("fc1.bias", Tensor.zeros(DType.FLOAT32, 1, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mlp.fromWeights(TINY, Activation.RELU, w));
        assertTrue(e.getMessage().contains("fc1.bias has shape [1, 3] (expected: [3])"), e.getMessage());
    }

    @Test
    void fromWeightsOfAnInitializedModelReproducesIt() {
        Mlp original = Mlp.initialized(ModelSpec.of(4, 6, 3), Activation.SIGMOID, 11);
        Mlp copy = Mlp.fromWeights(original.spec(), original.activation(), original.namedParameters());
        Tensor x = Tensor.randn(DType.FLOAT32, 5, 8, 4);
        assertArrayEquals(original.forward(x).toFloatArray(), copy.forward(x).toFloatArray());
    }

    @Test
    void linearRejectsMismatchedShapesNamingBoth() {
        Tensor w = Tensor.zeros(DType.FLOAT32, 3, 2).named("w");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Linear(w, Tensor.zeros(DType.FLOAT32, 2).named("b")));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Linear(Tensor.zeros(DType.FLOAT32, 3), Tensor.zeros(DType.FLOAT32, 3)));
    }
}
