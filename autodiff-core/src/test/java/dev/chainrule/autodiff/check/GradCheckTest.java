package dev.chainrule.autodiff.check;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.ops.Ops;
import org.junit.jupiter.api.Test;

class GradCheckTest {

    /** x³ whose backward rule is wrong by a factor (1 + error) at one element only. */
    private static Tensor cubeWithWrongRule(Tensor x, int badElement, double error) {
        return new Op("cube") {
            private int saved;

            @Override
            protected Tensor forward(Tensor[] in) {
                saved = save(in[0]);
                return Ops.pow(in[0], 3);
            }

            @Override
            protected Tensor[] backward(Tensor g) {
                Tensor d = Ops.mul(g, Ops.mul(Ops.constant(3, g), Ops.pow(saved(saved), 2)));
                d.storage().set(badElement, d.getFlat(badElement) * (1 + error));
                return new Tensor[] {d};
            }
        }.apply(x);
    }

    @Test
    void aWrongBackwardRuleFailsNamingInputAndElement() {
        Tensor x = Tensor.uniform(DType.FLOAT64, 1, 0.5, 1.5, 2, 3).named("weights").requiresGrad(true);
        GradCheckFailure e = assertThrows(GradCheckFailure.class,
                () -> GradCheck.defaults().check(in -> cubeWithWrongRule(in.get(0), 4, 1e-4), x));
        assertTrue(e.getMessage().contains("'weights'") && e.getMessage().contains("element 4 [1, 1]"), e.getMessage());
    }

    @Test
    void aCorrectRulePasses() {
        Tensor x = Tensor.uniform(DType.FLOAT64, 1, 0.5, 1.5, 2, 3).requiresGrad(true);
        assertTrue(GradCheck.defaults().check(in -> cubeWithWrongRule(in.get(0), 0, 0.0), x) <= 1);
    }

    @Test
    void inputsThatDoNotRequireGradAreConstants() {
        Tensor x = Tensor.uniform(DType.FLOAT64, 1, 0.5, 1.5, 3).requiresGrad(true);
        Tensor c = Tensor.uniform(DType.FLOAT64, 2, 0.5, 1.5, 3);
        assertTrue(GradCheck.defaults().check(in -> Ops.mul(in.get(0), in.get(1)), x, c) <= 1);
    }

    @Test
    void nonFiniteValuesAreRejected() {
        Tensor x = Tensor.of(new double[] {1, -1}, 2).named("x").requiresGrad(true);
        GradCheckFailure e = assertThrows(GradCheckFailure.class, () -> GradCheck.defaults().check(in -> Ops.log(in.get(0)), x));
        assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
        Tensor nan = Tensor.of(new double[] {Double.NaN}, 1).named("n").requiresGrad(true);
        assertThrows(GradCheckFailure.class, () -> GradCheck.defaults().check(in -> Ops.exp(in.get(0)), nan));
    }

    @Test
    void float32InputsAreRefused() {
        Tensor x = Tensor.of(new float[] {1}, 1).requiresGrad(true);
        assertThrows(IllegalArgumentException.class, () -> GradCheck.defaults().check(in -> Ops.exp(in.get(0)), x));
    }

    @Test
    void inputsAreNotModified() {
        Tensor x = Tensor.of(new double[] {0.5, 2}, 2).requiresGrad(true);
        GradCheck.defaults().check(in -> Ops.exp(in.get(0)), x);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0.5, 2}, x.toDoubleArray(), 0.0);
        org.junit.jupiter.api.Assertions.assertNull(x.grad());
    }
}
