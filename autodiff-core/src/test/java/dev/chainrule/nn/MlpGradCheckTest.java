package dev.chainrule.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Autograd;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.check.GradCheck;
import dev.chainrule.autodiff.ops.Functional;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The MLP's loss gradient. Mlp keeps float32 parameters, so the float64 gradient check runs on the
 * same composite built by hand from float64 {@link Linear} layers; the float32 Mlp's gradients are
 * then compared with that checked float64 composite.
 */
class MlpGradCheckTest {
    private static final ModelSpec SPEC = ModelSpec.of(5, 4, 6, 3);
    private static final int[] LABELS = {0, 2, 1, 2, 0, 1, 1};

    /** fc1, fc2, fc3 forward with the hidden activation between layers, then the summed cross-entropy. */
    private static Tensor loss(Activation activation, Tensor x, List<Tensor> params, int[] labels) {
        Tensor h = x;
        int layers = params.size() / 2;
        for (int i = 0; i < layers; i++) {
            h = new Linear(params.get(2 * i), params.get(2 * i + 1)).forward(h);
            if (i < layers - 1) {
                h = activation.apply(h);
            }
        }
        return Functional.crossEntropySum(h, labels);
    }

    /** float64 copies of an initialised model's parameters with non-zero biases, in layer order. */
    private static List<Tensor> float64Parameters(Activation activation, long seed) {
        Mlp model = Mlp.initialized(SPEC, activation, seed);
        List<Tensor> params = new ArrayList<>();
        int k = 0;
        for (Tensor p : model.parameters()) {
            Tensor d = p.to(DType.FLOAT64).named(p.name());
            if (p.rank() == 1) {
                Tensor noise = Tensor.uniform(DType.FLOAT64, seed + k, -0.3, 0.3, p.shape().dims());
                for (int i = 0; i < d.size(); i++) {
                    d.storage().set(i, noise.getFlat(i));
                }
            }
            params.add(d.requiresGrad(true));
            k++;
        }
        return params;
    }

    private static Tensor input() {
        return Tensor.randn(DType.FLOAT64, 99, LABELS.length, SPEC.inputs()).named("x");
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void lossGradientPassesTheGradientCheck(Activation activation) {
        List<Tensor> params = float64Parameters(activation, 21);
        Tensor[] inputs = new Tensor[params.size() + 1];
        inputs[0] = input();
        for (int i = 0; i < params.size(); i++) {
            inputs[i + 1] = params.get(i);
        }
        double worst = GradCheck.defaults().check(
                in -> loss(activation, in.get(0), in.subList(1, in.size()), LABELS), inputs);
        assertTrue(worst <= 1.0, activation + ": " + worst);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void inputGradientPassesTheGradientCheckToo(Activation activation) {
        List<Tensor> params = float64Parameters(activation, 22);
        List<Tensor> constants = new ArrayList<>();
        for (Tensor p : params) {
            constants.add(p.copy().named(p.name()));
        }
        Tensor x = input().requiresGrad(true);
        double worst = GradCheck.defaults().check(in -> loss(activation, in.get(0), constants, LABELS), x);
        assertTrue(worst <= 1.0, activation + ": " + worst);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void float32MlpGradientAgreesWithTheCheckedFloat64Composite(Activation activation) {
        List<Tensor> params64 = float64Parameters(activation, 23);
        Map<String, Tensor> weights = new java.util.LinkedHashMap<>();
        for (Tensor p : params64) {
            weights.put(p.name(), p.to(DType.FLOAT32));
        }
        Mlp model = Mlp.fromWeights(SPEC, activation, weights);
        Tensor x64 = input();
        // feed both the same (float32-representable) inputs
        Tensor x32 = x64.to(DType.FLOAT32);
        Tensor x = x32.to(DType.FLOAT64);
        List<Tensor> rounded = new ArrayList<>();
        for (Tensor p : params64) {
            rounded.add(p.to(DType.FLOAT32).to(DType.FLOAT64).named(p.name()).requiresGrad(true));
        }
        Tensor loss64 = loss(activation, x, rounded, LABELS);
        List<Tensor> expected = Autograd.grad(loss64, rounded);

        Tensor loss32 = Functional.crossEntropySum(model.forward(x32), LABELS);
        List<Tensor> actual = Autograd.grad(loss32, model.parameters());
        assertEquals(loss64.item(), loss32.item(), 1e-5 * Math.max(1, Math.abs(loss64.item())));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(DType.FLOAT32, actual.get(i).dtype());
            assertEquals(expected.get(i).shape(), actual.get(i).shape());
            for (int e = 0; e < expected.get(i).size(); e++) {
                double want = expected.get(i).getFlat(e);
                double got = actual.get(i).getFlat(e);
                assertEquals(want, got, 1e-5 * Math.max(1, Math.abs(want)),
                        activation + " " + rounded.get(i).name() + " element " + e);
            }
        }
        // Autograd.grad returns the gradients without accumulating into the parameters
        for (Tensor p : model.parameters()) {
            assertEquals(null, p.grad(), p.name());
        }
    }

    @Test
    void checkerWouldCatchAWrongGradient() {
        // sanity of the harness: a function whose recorded graph is not the function it computes fails
        Tensor w = Tensor.randn(DType.FLOAT64, 1, 2, 2).requiresGrad(true);
        org.junit.jupiter.api.Assertions.assertThrows(dev.chainrule.autodiff.check.GradCheckFailure.class,
                () -> GradCheck.defaults().check(in -> {
                    Tensor t = in.get(0);
                    // value depends on t squared, graph only on t (detach of the square's factor)
                    return dev.chainrule.autodiff.ops.Ops.sum(dev.chainrule.autodiff.ops.Ops.mul(t, t.detach()));
                }, w));
    }
}
