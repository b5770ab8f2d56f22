package dev.chainrule.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Mlp.initialized: reproducible, zero biases, and weight statistics of He normal (ReLU) and Xavier
 * uniform (sigmoid, tanh). Tolerances are several standard errors of the estimates wide for the
 * sample sizes used, yet far narrower than the gap to a wrong fan or a wrong distribution.
 */
class InitializationTest {
    private static final ModelSpec SPEC = ModelSpec.of(784, 256, 10);

    private static float[] weights(Mlp model, String name) {
        return model.namedParameters().get(name).toFloatArray();
    }

    @Test
    void sameSeedGivesTheSameWeights() {
        for (Activation a : Activation.values()) {
            Mlp first = Mlp.initialized(ModelSpec.of(20, 30, 5), a, 1234);
            Mlp second = Mlp.initialized(ModelSpec.of(20, 30, 5), a, 1234);
            for (String name : first.namedParameters().keySet()) {
                assertArrayEquals(weights(first, name), weights(second, name), a + " " + name);
            }
        }
    }

    @Test
    void anotherSeedGivesOtherWeights() {
        Mlp first = Mlp.initialized(ModelSpec.of(20, 30, 5), Activation.RELU, 1234);
        Mlp second = Mlp.initialized(ModelSpec.of(20, 30, 5), Activation.RELU, 1235);
        for (String name : new String[] {"fc1.weight", "fc2.weight"}) {
            float[] a = weights(first, name);
            float[] b = weights(second, name);
            int same = 0;
            for (int i = 0; i < a.length; i++) {
                same += a[i] == b[i] ? 1 : 0;
            }
            assertEquals(0, same, name + ": elements equal under two seeds");
        }
    }

    @Test
    void layersDrawDifferentWeights() {
        Mlp model = Mlp.initialized(ModelSpec.of(8, 8, 8), Activation.TANH, 5);
        assertFalse(Arrays.equals(weights(model, "fc1.weight"), weights(model, "fc2.weight")));
    }

    @Test
    void biasesStartAtZero() {
        for (Activation a : Activation.values()) {
            Mlp model = Mlp.initialized(ModelSpec.of(10, 20, 15, 3), a, 9);
            for (String name : new String[] {"fc1.bias", "fc2.bias", "fc3.bias"}) {
                for (float v : weights(model, name)) {
                    assertEquals(0f, v, a + " " + name);
                }
            }
        }
    }

    /** Mean, variance and the fraction within one standard deviation, in double. */
    private record Stats(double mean, double variance, double maxAbs, double withinOneSd) {
        static Stats of(float[] w) {
            double sum = 0;
            double maxAbs = 0;
            for (float v : w) {
                sum += v;
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            double mean = sum / w.length;
            double sq = 0;
            for (float v : w) {
                sq += (v - mean) * (v - mean);
            }
            double variance = sq / w.length;
            double sd = Math.sqrt(variance);
            int within = 0;
            for (float v : w) {
                within += Math.abs(v - mean) <= sd ? 1 : 0;
            }
            return new Stats(mean, variance, maxAbs, (double) within / w.length);
        }
    }

    @Test
    void reluLayersAreHeNormal() {
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 42);
        float[] w1 = weights(model, "fc1.weight");
        assertEquals(784 * 256, w1.length);
        Stats s = Stats.of(w1);
        double std = Math.sqrt(2.0 / 784); // fan_in of fc1
        assertEquals(0, s.mean(), 5 * std / Math.sqrt(w1.length), "mean");
        assertEquals(std, Math.sqrt(s.variance()), 0.01 * std, "std ≈ sqrt(2/fan_in)");
        // normal: 68.27% within one sd (a uniform law would give 57.7%)
        assertEquals(0.6827, s.withinOneSd(), 0.005, "fraction within one sd");
        // and tails a uniform law with this sd could not have
        assertTrue(s.maxAbs() > 4 * std, "max |w| " + s.maxAbs());

        Stats s2 = Stats.of(weights(model, "fc2.weight"));
        double std2 = Math.sqrt(2.0 / 256); // fan_in of fc2
        assertEquals(std2, Math.sqrt(s2.variance()), 0.07 * std2, "fc2 std ≈ sqrt(2/256)");
    }

    @Test
    void sigmoidAndTanhLayersAreXavierUniform() {
        for (Activation a : new Activation[] {Activation.SIGMOID, Activation.TANH}) {
            Mlp model = Mlp.initialized(SPEC, a, 42);
            float[] w1 = weights(model, "fc1.weight");
            Stats s = Stats.of(w1);
            double bound = Math.sqrt(6.0 / (784 + 256));
            assertTrue(s.maxAbs() <= Math.nextUp((float) bound), a + ": max |w| " + s.maxAbs() + " > bound " + bound);
            assertTrue(s.maxAbs() >= 0.999 * bound, a + ": max |w| " + s.maxAbs() + " far below bound " + bound);
            assertEquals(0, s.mean(), 5 * bound / Math.sqrt(3 * w1.length), a + " mean");
            assertEquals(bound * bound / 3, s.variance(), 0.01 * bound * bound / 3, a + " variance ≈ bound²/3");
            // uniform: 1/√3 = 57.74% within one sd (a normal law would give 68.3%)
            assertEquals(1 / Math.sqrt(3), s.withinOneSd(), 0.005, a + " fraction within one sd");

            float[] w2 = weights(model, "fc2.weight");
            double bound2 = Math.sqrt(6.0 / (256 + 10));
            Stats s2 = Stats.of(w2);
            assertTrue(s2.maxAbs() <= Math.nextUp((float) bound2), a + ": fc2 max |w| " + s2.maxAbs() + " > " + bound2);
            assertTrue(s2.maxAbs() >= 0.95 * bound2, a + ": fc2 max |w| " + s2.maxAbs() + " far below " + bound2);
        }
    }

    @Test
    void sigmoidAndTanhShareTheirInitialisation() {
        Mlp sigmoid = Mlp.initialized(ModelSpec.of(6, 5, 2), Activation.SIGMOID, 77);
        Mlp tanh = Mlp.initialized(ModelSpec.of(6, 5, 2), Activation.TANH, 77);
        Mlp relu = Mlp.initialized(ModelSpec.of(6, 5, 2), Activation.RELU, 77);
        assertArrayEquals(weights(sigmoid, "fc1.weight"), weights(tanh, "fc1.weight"));
        assertFalse(Arrays.equals(weights(relu, "fc1.weight"), weights(tanh, "fc1.weight")));
    }

    @Test
    void forwardOfAnInitializedReluModelKeepsTheSignalScale() {
        // He init preserves E[h²] through ReLU layers: the logits' second moment stays O(1)
        Mlp model = Mlp.initialized(ModelSpec.of(784, 256, 256, 256), Activation.RELU, 8);
        Tensor x = Tensor.randn(dev.chainrule.autodiff.DType.FLOAT32, 3, 64, 784);
        double[] out = model.forward(x).toDoubleArray();
        double sq = 0;
        for (double v : out) {
            sq += v * v;
        }
        double secondMoment = sq / out.length;
        assertTrue(secondMoment > 0.5 && secondMoment < 4, "E[y²] = " + secondMoment);
    }
}
