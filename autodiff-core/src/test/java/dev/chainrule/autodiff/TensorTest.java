package dev.chainrule.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void float32BuffersHoldExactlyTheirLengthAtEverySize() {
        for (int n = 0; n <= 130; n++) {
            Storage.Float32 s = (Storage.Float32) Storage.allocate(DType.FLOAT32, n);
            assertEquals(n, s.length());
            assertEquals(n, s.buffer().capacity());
            assertEquals(0, s.buffer().position());
            for (int i = 0; i < n; i++) {
                assertEquals(0f, s.buffer().get(i));
            }
        }
    }

    @Test
    void createsFromArraysRowMajor() {
        Tensor m = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals(Shape.of(2, 3), m.shape());
        assertEquals(6.0, m.get(1, 2));
        assertEquals(4.0, m.get(1, 0));
        assertEquals(DType.FLOAT64, m.dtype());
        Tensor f = Tensor.of(new float[] {1.5f}, 1);
        assertEquals(DType.FLOAT32, f.dtype());
        assertEquals(0, Tensor.scalar(2).rank());
        assertEquals(2.0, Tensor.scalar(2).item());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[] {1, 2, 3}, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new double[][] {{1, 2}, {3}}));
        assertThrows(IndexOutOfBoundsException.class, () -> m.get(2, 0));
    }

    @Test
    void copiesTheCallersArray() {
        double[] values = {1, 2};
        Tensor t = Tensor.of(values, 2);
        values[0] = 9;
        assertEquals(1.0, t.get(0));
    }

    @Test
    void zerosOnesAndFull() {
        assertArrayEquals(new double[] {0, 0, 0}, Tensor.zeros(DType.FLOAT32, 3).toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, Tensor.ones(DType.FLOAT64, 2).toDoubleArray());
        assertArrayEquals(new double[] {7, 7}, Tensor.full(DType.FLOAT64, 7, Shape.of(1, 2)).toDoubleArray());
    }

    @Test
    void randomTensorsAreReproducibleFromTheirSeed() {
        assertArrayEquals(Tensor.randn(DType.FLOAT32, 42, 3, 4).toFloatArray(), Tensor.randn(DType.FLOAT32, 42, 3, 4).toFloatArray());
        assertFalse(java.util.Arrays.equals(Tensor.randn(DType.FLOAT64, 42, 8).toDoubleArray(),
                Tensor.randn(DType.FLOAT64, 43, 8).toDoubleArray()));
        Tensor u = Tensor.uniform(DType.FLOAT64, 1, -2, 3, 1000);
        for (double v : u.toDoubleArray()) {
            assertTrue(v >= -2 && v < 3);
        }
        double mean = 0;
        for (double v : Tensor.randn(DType.FLOAT64, 7, 10000).toDoubleArray()) {
            mean += v / 10000;
        }
        assertEquals(0.0, mean, 0.05);
    }

    @Test
    void inPlaceWritesBumpTheVersion() {
        Tensor t = Tensor.zeros(DType.FLOAT64, 2);
        assertEquals(0, t.version());
        t.set(1.0, 0);
        t.fill(2.0);
        t.copyFrom(Tensor.ones(DType.FLOAT64, 2));
        t.addScaled(2, Tensor.ones(DType.FLOAT64, 2));
        assertEquals(4, t.version());
        assertArrayEquals(new double[] {3, 3}, t.toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> t.copyFrom(Tensor.ones(DType.FLOAT64, 3)));
    }

    @Test
    void conversionBetweenTypes() {
        Tensor d = Tensor.of(new double[] {0.1}, 1);
        Tensor f = d.to(DType.FLOAT32);
        assertEquals(DType.FLOAT32, f.dtype());
        assertEquals((double) 0.1f, f.get(0));
        assertNotEquals(0.1, f.get(0));
    }

    @Test
    void shapeAxesAndOffsets() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(24, s.size());
        assertEquals(4, s.dim(-1));
        assertEquals(Shape.of(2, 4), s.reduce(1, false));
        assertEquals(Shape.of(2, 1, 4), s.reduce(-2, true));
        assertEquals(1 * 12 + 2 * 4 + 3, s.offset(1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> s.dim(3));
        assertThrows(IllegalArgumentException.class, () -> Shape.of(-1));
        assertEquals("[2, 3, 4]", s.toString());
        assertEquals(1, Shape.scalar().size());
    }

    @Test
    void flatRangeSharesTheElementsOfItsRange() {
        Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Tensor middle = t.flatRange(2, 5);
        assertEquals(Shape.of(3), middle.shape());
        assertArrayEquals(new float[] {2, 3, 4}, middle.toFloatArray());
        middle.storage().set(0, 20);
        assertEquals(20, t.get(0, 2));
        t.set(40, 1, 1);
        assertEquals(40, middle.getFlat(2));
        assertArrayEquals(new byte[] {0, 0, (byte) 0xa0, 0x41}, first4(middle.flatRange(0, 1)));
        assertEquals(0, t.flatRange(6, 6).size());
        assertThrows(IndexOutOfBoundsException.class, () -> t.flatRange(4, 7));
        assertThrows(IndexOutOfBoundsException.class, () -> t.flatRange(3, 2));
        assertThrows(IllegalStateException.class, () -> Tensor.of(new double[] {1}, 1).flatRange(0, 1));
    }

    private static byte[] first4(Tensor t) {
        byte[] out = new byte[4];
        ((Storage.Float32) t.storage()).littleEndianBytes().get(out);
        return out;
    }
}
