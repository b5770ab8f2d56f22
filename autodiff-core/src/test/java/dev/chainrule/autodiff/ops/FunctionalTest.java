package dev.chainrule.autodiff.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import org.junit.jupiter.api.Test;

class FunctionalTest {

    @Test
    void softmaxRowsSumToOneAndSurviveHugeLogits() {
        Tensor logits = Tensor.of(new double[][] {{1000, -1000, 0}, {1, 2, 3}});
        Tensor p = Functional.softmax(logits);
        assertArrayEquals(new double[] {1, 0, 0}, new double[] {p.get(0, 0), p.get(0, 1), p.get(0, 2)}, 1e-300);
        double e1 = Math.exp(1), e2 = Math.exp(2), e3 = Math.exp(3), s = e1 + e2 + e3;
        assertArrayEquals(new double[] {e1 / s, e2 / s, e3 / s}, new double[] {p.get(1, 0), p.get(1, 1), p.get(1, 2)}, 1e-15);
    }

    @Test
    void logSoftmaxIsExactForHugeLogits() {
        Tensor lp = Functional.logSoftmax(Tensor.of(new double[][] {{1000, -1000}}));
        assertEquals(0.0, lp.get(0, 0));
        assertEquals(-2000.0, lp.get(0, 1));
    }

    @Test
    void crossEntropyOfHugeLogitsIsFiniteInBothTypes() {
        for (DType dtype : DType.values()) {
            Tensor logits = Tensor.of(new double[][] {{1000, -1000, 0}, {-1000, 1000, 0}}).to(dtype).requiresGrad(true);
            Tensor loss = Functional.crossEntropy(logits, new int[] {1, 1});
            assertEquals(1000.0, loss.item(), 1e-9, dtype.name()); // row 0 loses 2000, row 1 loses 0
            loss.backward();
            double[] g = logits.grad().toDoubleArray();
            assertArrayEquals(new double[] {0.5, -0.5, 0, 0, 0, 0}, g, 1e-7, dtype.name());
        }
    }

    @Test
    void crossEntropyMatchesItsDefinition() {
        Tensor logits = Tensor.of(new double[][] {{0.2, 1.5}, {-0.3, 0.1}});
        double l0 = -Math.log(Math.exp(1.5) / (Math.exp(0.2) + Math.exp(1.5)));
        double l1 = -Math.log(Math.exp(-0.3) / (Math.exp(-0.3) + Math.exp(0.1)));
        assertEquals((l0 + l1) / 2, Functional.crossEntropy(logits, new int[] {1, 0}).item(), 1e-15);
    }

    @Test
    void crossEntropyRejectsBadLabels() {
        Tensor logits = Tensor.zeros(DType.FLOAT64, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.crossEntropy(logits, new int[] {0, 3}));
        assertTrue(e.getMessage().contains("label 3") && e.getMessage().contains("row 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Functional.crossEntropy(logits, new int[] {0}));
    }

    @Test
    void mseIsTheMeanSquaredDifference() {
        Tensor p = Tensor.of(new double[] {1, 2, 3}, 3);
        Tensor t = Tensor.of(new double[] {1, 0, 6}, 3);
        assertEquals((0 + 4 + 9) / 3.0, Functional.mse(p, t).item(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Functional.mse(p, Tensor.zeros(DType.FLOAT64, 2)));
    }
}
