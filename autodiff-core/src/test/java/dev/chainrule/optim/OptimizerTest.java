package dev.chainrule.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Known values worked out by hand, the in-place contract (versions, grad mode), and the argument checks. */
class OptimizerTest {
    private static final OptimizerSettings DEFAULTS = OptimizerSettings.defaults();
    /** Momentum 0.9 and weight decay 0.01, so that every optimiser keeps state and decays. */
    private static final OptimizerSettings MOMENTUM_AND_DECAY = new OptimizerSettings(0.9, 0.9, 0.999, 1e-8, 0.01);

    private static Tensor w(double... values) {
        return Tensor.of(values, values.length).named("w");
    }

    private static Tensor g(double... values) {
        return Tensor.of(values, values.length);
    }

    private static void step(Optimizer optimizer, Tensor param, Tensor grad, double lr) {
        optimizer.step(List.of(param), List.of(grad), lr);
    }

    // ---- known values (float64) ------------------------------------------------------------------

    @Test
    void sgdSubtractsTheScaledGradient() {
        Tensor p = w(1, 2);
        step(Optimizers.create("sgd", DEFAULTS), p, g(0.5, -1), 0.1);
        assertArrayEquals(new double[] {0.95, 2.1}, p.toDoubleArray(), 1e-15);
    }

    @Test
    void weightDecayIsAddedToTheGradient() {
        Tensor p = w(1, 2);
        step(Optimizers.create("sgd", DEFAULTS.withWeightDecay(0.5)), p, g(0.5, -1), 0.1);
        // g + 0.5·w = (1.0, 0.0)
        assertArrayEquals(new double[] {0.9, 2.0}, p.toDoubleArray(), 1e-15);
    }

    @Test
    void momentumStartsWithTheGradientThenAccumulates() {
        Tensor p = w(0);
        Optimizer optimizer = Optimizers.create("momentum", DEFAULTS.withMomentum(0.5));
        step(optimizer, p, g(1), 0.1);   // buf = 1
        assertEquals(-0.1, p.getFlat(0), 1e-15);
        step(optimizer, p, g(2), 0.1);   // buf = 0.5·1 + 2 = 2.5
        assertEquals(-0.35, p.getFlat(0), 1e-15);
        assertEquals(2.5, optimizer.exportState().buffers().get("w.momentum_buffer").getFlat(0), 1e-15);
    }

    @Test
    void adamIsBiasCorrected() {
        // step 1: m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps) ≈ lr·sign(g) whatever |g|
        Tensor p = w(1, 1);
        Optimizer optimizer = Optimizers.create("adam", DEFAULTS);
        step(optimizer, p, g(3, -0.002), 0.01);
        assertArrayEquals(new double[] {0.99, 1.01}, p.toDoubleArray(), 1e-7);
        // step 2 with g = 0: m = 0.9·0.1·g1, v = 0.999·0.001·g1²; m̂/sqrt(v̂) = (0.09/0.19)/sqrt(0.000999/0.001999)·sign(g1)
        step(optimizer, p, g(0, 0), 0.01);
        double factor = (0.09 / (1 - 0.81)) / Math.sqrt(0.000999 / (1 - 0.998001));
        assertArrayEquals(new double[] {0.99 - 0.01 * factor, 1.01 + 0.01 * factor}, p.toDoubleArray(), 1e-7);
    }

    @Test
    void zeroLearningRateChangesNothing() {
        for (String kind : Optimizers.KINDS) {
            Tensor p = w(1, -2);
            step(Optimizers.create(kind, DEFAULTS.withWeightDecay(0.1)), p, g(5, 7), 0);
            assertArrayEquals(new double[] {1, -2}, p.toDoubleArray(), kind);
        }
    }

    // ---- the in-place contract --------------------------------------------------------------------

    @Test
    void stepsParametersThatRequireGradWhileRecordingAndBumpsTheirVersions() {
        for (String kind : Optimizers.KINDS) {
            for (boolean requiresGrad : new boolean[] {true, false}) {
                Tensor p = Tensor.randn(DType.FLOAT32, 1, 4).named("w").requiresGrad(requiresGrad);
                float[] before = p.toFloatArray();
                int version = p.version();
                assertTrue(GradMode.isEnabled());
                step(Optimizers.create(kind, DEFAULTS), p, Tensor.ones(DType.FLOAT32, 4), 0.1);
                assertTrue(GradMode.isEnabled(), "recording not restored");
                assertTrue(p.version() > version, kind + ": version not bumped");
                assertFalse(Arrays.equals(before, p.toFloatArray()), kind + ": parameter unchanged");
                assertEquals(requiresGrad, p.requiresGrad());
                assertTrue(p.isLeaf());
            }
        }
    }

    @Test
    void leavesRecordingOffWhenCalledWithRecordingOff() {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            step(Optimizers.create("adam", DEFAULTS), w(1), g(1), 0.1);
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
    }

    @Test
    void keepsTheElementType() {
        Tensor p = Tensor.randn(DType.FLOAT32, 2, 3).named("w");
        Optimizer optimizer = Optimizers.create("adam", DEFAULTS);
        step(optimizer, p, Tensor.ones(DType.FLOAT32, 3), 0.1);
        assertEquals(DType.FLOAT32, p.dtype());
        optimizer.exportState().buffers().values().forEach(b -> assertEquals(DType.FLOAT32, b.dtype()));
    }

    // ---- factory and settings ---------------------------------------------------------------------

    @Test
    void unknownKindListsTheValidOnes() {
        assertEquals("unknown optimizer kind 'rmsprop' (expected one of: sgd, momentum, adam)",
                assertThrows(IllegalArgumentException.class, () -> Optimizers.create("rmsprop", DEFAULTS)).getMessage());
        assertEquals("unknown optimizer kind null (expected one of: sgd, momentum, adam)",
                assertThrows(IllegalArgumentException.class, () -> Optimizers.create(null, DEFAULTS)).getMessage());
        assertThrows(NullPointerException.class, () -> Optimizers.create("sgd", null));
    }

    @Test
    void settingsDefaultToTorchs() {
        assertEquals(new OptimizerSettings(0.9, 0.9, 0.999, 1e-8, 0.0), DEFAULTS);
        assertEquals(new OptimizerSettings(0.5, 0.8, 0.99, 1e-6, 0.01),
                DEFAULTS.withMomentum(0.5).withBetas(0.8, 0.99).withEps(1e-6).withWeightDecay(0.01));
    }

    @Test
    void settingsNameTheBadValue() {
        assertMessage("momentum : -0.1 (expected: finite and >= 0)", () -> DEFAULTS.withMomentum(-0.1));
        assertMessage("momentum : NaN (expected: finite and >= 0)", () -> DEFAULTS.withMomentum(Double.NaN));
        assertMessage("beta1 : 1.0 (expected: 0 <= beta1 < 1)", () -> DEFAULTS.withBetas(1.0, 0.999));
        assertMessage("beta2 : -0.5 (expected: 0 <= beta2 < 1)", () -> DEFAULTS.withBetas(0.9, -0.5));
        assertMessage("eps : -1.0E-8 (expected: finite and >= 0)", () -> DEFAULTS.withEps(-1e-8));
        assertMessage("weightDecay : Infinity (expected: finite and >= 0)",
                () -> DEFAULTS.withWeightDecay(Double.POSITIVE_INFINITY));
    }

    // ---- step arguments ---------------------------------------------------------------------------

    @Test
    void stepNamesTheBadArgument() {
        for (String kind : Optimizers.KINDS) {
            Optimizer o = Optimizers.create(kind, DEFAULTS);
            Tensor weight = Tensor.zeros(DType.FLOAT32, 3, 4).named("fc1.weight");
            Tensor bias = Tensor.zeros(DType.FLOAT32, 3).named("fc1.bias");
            Tensor gw = Tensor.ones(DType.FLOAT32, 3, 4);
            Tensor gb = Tensor.ones(DType.FLOAT32, 3);
            List<Tensor> params = List.of(weight, bias);
            assertMessage("learningRate : -0.01 (expected: finite and >= 0)", () -> o.step(params, List.of(gw, gb), -0.01));
            assertMessage("learningRate : NaN (expected: finite and >= 0)", () -> o.step(params, List.of(gw, gb), Double.NaN));
            assertMessage("2 parameters but 1 gradients (expected: one gradient per parameter, at the same position)",
                    () -> o.step(params, List.of(gw), 0.1));
            assertMessage("gradient for parameter 'fc1.bias' is [4] float32 (expected: [3] float32, like the parameter)",
                    () -> o.step(params, List.of(gw, Tensor.ones(DType.FLOAT32, 4)), 0.1));
            assertMessage("gradient for parameter 'fc1.weight' is [3, 4] float64 (expected: [3, 4] float32, like the parameter)",
                    () -> o.step(params, List.of(gw.to(DType.FLOAT64), gb), 0.1));
            assertMessage("parameter 1 (tensor [3] float32) has no name (expected: a unique name, set with Tensor.named)",
                    () -> o.step(List.of(weight, Tensor.zeros(DType.FLOAT32, 3)), List.of(gw, gb), 0.1));
            assertMessage("parameter name 'fc1.weight' appears twice, at positions 0 and 1 (expected: unique names)",
                    () -> o.step(List.of(weight, weight), List.of(gw, gw), 0.1));
            List<Tensor> withNull = new ArrayList<>(List.of(gw));
            withNull.add(null);
            assertMessage("no gradient for parameter 'fc1.bias' (gradient 1 is null)", () -> o.step(params, withNull, 0.1));
            // nothing changed
            assertEquals(0, o.exportState().stepCount(), kind);
            assertEquals(0, weight.version());
            assertEquals(0.0, weight.getFlat(0));
        }
    }

    /** A 3×5 weight and a bias of 3, the same values at every call. */
    private static List<Tensor> weightAndBias() {
        return List.of(filled("w", 0.3f, 3, 5), filled("b", -0.2f, 3));
    }

    private static Tensor filled(String name, float value, int... dims) {
        Tensor t = Tensor.zeros(DType.FLOAT32, dims).named(name);
        for (int i = 0; i < t.size(); i++) {
            t.storage().set(i, value + 0.01f * i);
        }
        return t;
    }

    @Test
    void optimizerKeepsItsOwnCopyOfValidatedSettings() {
        assertThrows(IllegalArgumentException.class, () -> new MomentumSgd(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.9, 1.5, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(-0.1));
    }

    private static void assertMessage(String expected, Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
