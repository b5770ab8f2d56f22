package dev.chainrule.autodiff.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import org.junit.jupiter.api.Test;

/** Forward values of the ops on small hand-computed cases, shapes and edge cases. */
class OpsValuesTest {
    private static final Tensor A = Tensor.of(new double[][] {{1, 2, 3}, {4, 5, 6}});

    private static void assertValues(double[] expected, Tensor actual) {
        assertArrayEquals(expected, actual.toDoubleArray(), 1e-15);
    }

    @Test
    void elementwiseArithmeticBroadcastsRowsColumnsAndScalars() {
        assertValues(new double[] {11, 22, 33, 14, 25, 36}, Ops.add(A, Tensor.of(new double[] {10, 20, 30}, 3)));
        assertValues(new double[] {0, 1, 2, 2, 3, 4}, Ops.sub(A, Tensor.of(new double[] {1, 2}, 2, 1)));
        assertValues(new double[] {2, 4, 6, 8, 10, 12}, Ops.mul(A, Tensor.scalar(2)));
        assertValues(new double[] {0.5, 1, 1.5, 2, 2.5, 3}, Ops.div(A, Tensor.scalar(2)));
        assertEquals(Shape.of(2, 3), Ops.add(Tensor.zeros(DType.FLOAT64, 1, 3), Tensor.zeros(DType.FLOAT64, 2, 1)).shape());
    }

    @Test
    void incompatibleShapesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ops.add(A, Tensor.zeros(DType.FLOAT64, 2)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2]") && e.getMessage().contains("'add'"),
                e.getMessage());
    }

    @Test
    void mixedDTypesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ops.mul(A, Tensor.zeros(DType.FLOAT32, 2, 3)));
        assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("float64"), e.getMessage());
    }

    @Test
    void unaryFunctions() {
        Tensor x = Tensor.of(new double[] {-2, 0, 0.5}, 3);
        assertValues(new double[] {2, -0.0, -0.5}, Ops.neg(x));
        assertValues(new double[] {2, 0, 0.5}, Ops.abs(x));
        assertValues(new double[] {0, 0, 0.5}, Ops.relu(x));
        assertValues(new double[] {Math.exp(-2), 1, Math.exp(0.5)}, Ops.exp(x));
        assertValues(new double[] {Math.tanh(-2), 0, Math.tanh(0.5)}, Ops.tanh(x));
        assertValues(new double[] {1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-0.5))}, Ops.sigmoid(x));
        assertValues(new double[] {Math.sin(-2), 0, Math.sin(0.5)}, Ops.sin(x));
        assertValues(new double[] {Math.cos(-2), 1, Math.cos(0.5)}, Ops.cos(x));
        assertValues(new double[] {Math.tan(-2), 0, Math.tan(0.5)}, Ops.tan(x));
        assertValues(new double[] {4, 0, 0.25}, Ops.pow(x, 2));
        Tensor p = Tensor.of(new double[] {1, 4, 0.25}, 3);
        assertValues(new double[] {0, Math.log(4), Math.log(0.25)}, Ops.log(p));
        assertValues(new double[] {1, 2, 0.5}, Ops.sqrt(p));
        assertValues(new double[] {1, 16, 0.5}, Ops.pow(p, Tensor.of(new double[] {3, 2, 0.5}, 3)));
    }

    @Test
    void sigmoidDoesNotOverflow() {
        Tensor s = Ops.sigmoid(Tensor.of(new double[] {-1000, 1000}, 2));
        assertValues(new double[] {0, 1}, s);
    }

    @Test
    void derivativesAtKinksFollowPyTorch() {
        Tensor x = Tensor.of(new double[] {0, 0}, 2).requiresGrad(true);
        Ops.sum(Ops.add(Ops.abs(x), Ops.relu(x))).backward();
        assertValues(new double[] {0, 0}, x.grad());
        Tensor base = Tensor.of(new double[] {0}, 1).requiresGrad(true);
        Tensor exponent = Tensor.of(new double[] {2}, 1).requiresGrad(true);
        Ops.sum(Ops.pow(base, exponent)).backward();
        assertValues(new double[] {0}, base.grad());
        assertValues(new double[] {0}, exponent.grad());
    }

    @Test
    void matmulTransposeReshape() {
        Tensor b = Tensor.of(new double[][] {{1, 0}, {0, 1}, {1, 1}});
        Tensor c = Ops.matmul(A, b);
        assertEquals(Shape.of(2, 2), c.shape());
        assertValues(new double[] {4, 5, 10, 11}, c);
        assertValues(new double[] {1, 4, 2, 5, 3, 6}, Ops.transpose(A));
        assertEquals(Shape.of(3, 2), Ops.transpose(A).shape());
        assertEquals(Shape.of(3, 2), Ops.reshape(A, -1, 2).shape());
        assertValues(new double[] {1, 2, 3, 4, 5, 6}, Ops.reshape(A, 6));
        assertThrows(IllegalArgumentException.class, () -> Ops.matmul(A, A));
        assertThrows(IllegalArgumentException.class, () -> Ops.reshape(A, 4, 2));
        assertThrows(IllegalArgumentException.class, () -> Ops.reshape(A, -1, -1));
        assertThrows(IllegalArgumentException.class, () -> Ops.matmul(Tensor.zeros(DType.FLOAT64, 3), A));
    }

    @Test
    void reductionsAlongAxes() {
        assertEquals(21.0, Ops.sum(A).item());
        assertEquals(Shape.scalar(), Ops.sum(A).shape());
        assertValues(new double[] {5, 7, 9}, Ops.sum(A, 0, false));
        assertEquals(Shape.of(2, 1), Ops.sum(A, 1, true).shape());
        assertValues(new double[] {6, 15}, Ops.sum(A, -1, false));
        assertEquals(3.5, Functional.mean(A).item());
        assertValues(new double[] {2, 5}, Functional.mean(A, 1, false));
        assertValues(new double[] {4, 5, 6}, Ops.max(A, 0, false));
        assertValues(new double[] {3, 6}, Ops.max(A, 1, true));
        assertThrows(IllegalArgumentException.class, () -> Ops.sum(A, 2, false));
    }

    @Test
    void maxRoutesGradientToTheFirstMaximumOnTies() {
        Tensor x = Tensor.of(new double[] {1, 3, 3}, 1, 3).requiresGrad(true);
        Ops.sum(Ops.max(x, 1, false)).backward();
        assertValues(new double[] {0, 1, 0}, x.grad());
    }

    @Test
    void zeroSizedTensorsFlowThroughElementwiseOpsAndSums() {
        Tensor empty = Tensor.zeros(DType.FLOAT64, 0, 3).requiresGrad(true);
        Tensor y = Ops.sum(Ops.mul(Ops.add(empty, Tensor.ones(DType.FLOAT64, 3)), empty));
        assertEquals(0.0, y.item());
        y.backward();
        assertEquals(Shape.of(0, 3), empty.grad().shape());
        assertEquals(Shape.of(2, 0), Ops.matmul(Tensor.zeros(DType.FLOAT64, 2, 3), Tensor.zeros(DType.FLOAT64, 3, 0)).shape());
    }

    @Test
    void float32ValuesAreRoundedToFloat() {
        Tensor x = Tensor.of(new float[] {0.1f, 0.2f}, 2);
        Tensor y = Ops.add(x, Tensor.scalar(0.3, DType.FLOAT32));
        assertEquals(DType.FLOAT32, y.dtype());
        assertArrayEquals(new float[] {0.1f + 0.3f, 0.2f + 0.3f}, y.toFloatArray(), 1e-7f);
    }
}
