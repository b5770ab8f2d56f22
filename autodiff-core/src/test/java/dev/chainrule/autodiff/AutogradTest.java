package dev.chainrule.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.ops.Functional;
import dev.chainrule.autodiff.ops.Ops;
import org.junit.jupiter.api.Test;

class AutogradTest {

    @Test
    void sharedSubexpressionsRunEachBackwardRuleExactlyOnce() {
        // f1 = x1·x2, f2 = sin(f1), f3 = f2·f1: f1 has two children (f2 and f3), and f3 = f(f2(f1(x1, x2))).
        CountingOps ops = new CountingOps();
        Tensor x1 = Tensor.scalar(0.7).named("x1").requiresGrad(true);
        Tensor x2 = Tensor.scalar(-1.3).named("x2").requiresGrad(true);
        Tensor f1 = ops.mul("f1", x1, x2);
        Tensor f2 = ops.sin("f2", f1);
        Tensor f3 = ops.mul("f3", f2, f1);

        Adjoints adjoints = Autograd.backward(f3);

        assertEquals(3, ops.backwardCalls.size());
        ops.backwardCalls.forEach((op, calls) -> assertEquals(1, calls, "backward calls of " + op.name()));
        double u = 0.7 * -1.3;
        double dfdu = Math.cos(u) * u + Math.sin(u); // d/du [sin(u)·u]
        assertEquals(dfdu, adjoints.of(f1).item(), 1e-15, "t_f1 sums the contributions of both children");
        assertEquals(dfdu * -1.3, x1.grad().item(), 1e-15);
        assertEquals(dfdu * 0.7, x2.grad().item(), 1e-15);
        assertEquals(1.0, adjoints.of(f3).item());
        assertEquals(u, adjoints.of(f2).item(), 1e-15);
    }

    @Test
    void variableUsedTwiceAccumulatesBothPaths() {
        Tensor x = Tensor.scalar(3.0).requiresGrad(true);
        Ops.mul(x, x).backward();
        assertEquals(6.0, x.grad().item());
    }

    @Test
    void leafGradientsAccumulateAcrossPassesUntilZeroed() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
        Ops.sum(Ops.mul(x, x)).backward();
        Ops.sum(Ops.mul(x, x)).backward();
        assertArrayEqualsExact(new double[] {4, 8, 12}, x.grad().toDoubleArray());
        x.zeroGrad();
        assertNull(x.grad());
        Ops.sum(x).backward();
        assertArrayEqualsExact(new double[] {1, 1, 1}, x.grad().toDoubleArray());
    }

    @Test
    void backwardOnNonScalarWithoutSeedNamesTheOpAndShape() {
        Tensor x = Tensor.ones(DType.FLOAT64, 2, 3).requiresGrad(true);
        Tensor y = Ops.mul(x, x);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("'mul'") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void explicitSeedGivesVectorJacobianProduct() {
        Tensor x = Tensor.of(new double[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor y = Ops.mul(x, x);
        y.backward(Tensor.of(new double[] {1, 10, 100}, 3), false);
        assertArrayEqualsExact(new double[] {2, 40, 600}, x.grad().toDoubleArray());
    }

    @Test
    void seedOfWrongShapeIsRejected() {
        Tensor x = Tensor.ones(DType.FLOAT64, 3).requiresGrad(true);
        Tensor y = Ops.exp(x);
        assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(DType.FLOAT64, 2), false));
    }

    @Test
    void secondBackwardThroughReleasedGraphFailsNamingTheOp() {
        Tensor x = Tensor.scalar(2.0).requiresGrad(true);
        Tensor y = Ops.exp(x);
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'exp'") && e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void retainedGraphCanBeDifferentiatedAgain() {
        Tensor x = Tensor.scalar(2.0).requiresGrad(true);
        Tensor y = Ops.exp(x);
        y.backward(Tensor.scalar(1.0), true);
        y.backward(Tensor.scalar(1.0), false);
        assertEquals(2 * Math.exp(2.0), x.grad().item(), 1e-12);
    }

    @Test
    void inPlaceChangeOfSavedTensorIsDetected() {
        Tensor w = Tensor.of(new double[] {1, 2}, 2).named("w").requiresGrad(true);
        Tensor c = Tensor.of(new double[] {3, 4}, 2).named("c");
        Tensor y = Ops.sum(Ops.mul(w, c));
        c.set(5.0, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'c'") && e.getMessage().contains("'mul'")
                && e.getMessage().contains("modified in place"), e.getMessage());
    }

    @Test
    void aDirectWriteMarkedModifiedIsDetectedToo() {
        Tensor c = Tensor.of(new float[] {3, 4}, 2).named("c");
        Tensor w = Tensor.of(new float[] {1, 2}, 2).named("w").requiresGrad(true);
        Tensor y = Ops.sum(Ops.mul(w, c));
        ((Storage.Float32) c.storage()).buffer().put(0, 5f);
        c.markModified();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'c'") && e.getMessage().contains("modified in place"), e.getMessage());
        assertThrows(IllegalStateException.class, w::markModified, "a leaf requiring grad while recording");
    }

    @Test
    void inPlaceChangeOfLeafRequiringGradIsRefusedWhileRecording() {
        Tensor w = Tensor.of(new double[] {1, 2}, 2).named("w").requiresGrad(true);
        assertThrows(IllegalStateException.class, () -> w.fill(0));
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            w.addScaled(-0.5, Tensor.of(new double[] {2, 2}, 2));
        }
        assertArrayEqualsExact(new double[] {0, 1}, w.toDoubleArray());
        assertEquals(1, w.version());
    }

    @Test
    void opWithoutBackwardRuleIsNamed() {
        Tensor x = Tensor.scalar(1.0).requiresGrad(true);
        Tensor y = new Op("floor") {
            @Override
            protected Tensor forward(Tensor[] in) {
                return Tensor.scalar(Math.floor(in[0].item()));
            }
        }.apply(x);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, y::backward);
        assertTrue(e.getMessage().contains("'floor'") && e.getMessage().contains("no backward rule"), e.getMessage());
    }

    @Test
    void backwardRuleReturningWrongShapeIsRejected() {
        Tensor x = Tensor.ones(DType.FLOAT64, 3).requiresGrad(true);
        Tensor y = new Op("broken") {
            @Override
            protected Tensor forward(Tensor[] in) {
                return Tensor.scalar(0.0);
            }

            @Override
            protected Tensor[] backward(Tensor g) {
                return new Tensor[] {Tensor.ones(DType.FLOAT64, 2)};
            }
        }.apply(x);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'broken'") && e.getMessage().contains("[2]") && e.getMessage().contains("[3]"),
                e.getMessage());
    }

    @Test
    void noGradScopeRecordsNothingAndRestoresRecording() {
        Tensor x = Tensor.scalar(1.0).requiresGrad(true);
        Tensor y;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            y = Ops.exp(x);
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(y.isLeaf());
        assertFalse(y.requiresGrad());
        assertNotNull(Ops.exp(x).gradFn());
    }

    @Test
    void detachCutsTheGraphButSharesValues() {
        Tensor x = Tensor.scalar(2.0).requiresGrad(true);
        Tensor y = Ops.mul(x, x);
        Tensor d = y.detach();
        assertTrue(d.isLeaf());
        assertFalse(d.requiresGrad());
        assertSame(y.storage(), d.storage());
        Ops.add(Ops.mul(d, x), y).backward(); // d·x + x²: d is a constant 4
        assertEquals(4.0 + 4.0, x.grad().item());
    }

    @Test
    void backwardFromTensorWithoutHistoryIsRejected() {
        Tensor x = Tensor.scalar(1.0);
        assertThrows(IllegalArgumentException.class, () -> Ops.exp(x).backward());
    }

    @Test
    void chainOfOneMillionNodesNeedsNoRecursion() {
        Tensor x = Tensor.scalar(1.0).requiresGrad(true);
        Tensor c = Tensor.scalar(1.0);
        Tensor y = x;
        int n = 1_000_000;
        for (int i = 0; i < n; i++) {
            y = Ops.add(y, c);
        }
        y.backward();
        assertEquals(1.0 + n, y.item());
        assertEquals(1.0, x.grad().item());
    }

    @Test
    void float32GraphsDifferentiateInFloat32() {
        Tensor x = Tensor.of(new float[] {1, -2}, 2).requiresGrad(true);
        Tensor loss = Functional.mean(Ops.mul(x, x));
        loss.backward();
        assertEquals(DType.FLOAT32, x.grad().dtype());
        assertArrayEqualsExact(new double[] {1, -2}, x.grad().toDoubleArray());
    }

    @Test
    void requiresGradOnlyOnLeaves() {
        Tensor x = Tensor.scalar(1.0).requiresGrad(true);
        Tensor y = Ops.exp(x);
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
    }

    @Test
    void anOpInstanceAppliesOnce() {
        Op op = new Op("id") {
            @Override
            protected Tensor forward(Tensor[] in) {
                return in[0].copy();
            }
        };
        op.apply(Tensor.scalar(1.0));
        assertThrows(IllegalStateException.class, () -> op.apply(Tensor.scalar(1.0)));
    }

    @Test
    void gradReturnsGradientsWithoutTouchingLeaves() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor unused = Tensor.scalar(5.0).requiresGrad(true);
        java.util.List<Tensor> g = Autograd.grad(Ops.sum(Ops.mul(x, x)), java.util.List.of(x, unused));
        assertArrayEqualsExact(new double[] {2, 4}, g.get(0).toDoubleArray());
        assertEquals(0.0, g.get(1).item());
        assertNull(x.grad());
        assertNull(unused.grad());
    }

    static void assertArrayEqualsExact(double[] expected, double[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, 0.0);
    }
}
