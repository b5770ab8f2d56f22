package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientSumTest {
    private static final List<Tensor> PARAMETERS = List.of(
            Tensor.zeros(DType.FLOAT32, 2, 3).named("fc1.weight"),
            Tensor.zeros(DType.FLOAT32, 2).named("fc1.bias"));

    private static ShardGradient shard(float[] weight, float[] bias, double lossSum, int samples) {
        return new ShardGradient(List.of(Tensor.of(weight, 2, 3), Tensor.of(bias, 2)), lossSum, samples);
    }

    @Test
    void sumsAreTheShardGradientsAddedTogether() {
        GradientSum sum = new GradientSum(PARAMETERS);
        sum.add(shard(new float[] {1, 2, 3, 4, 5, 6}, new float[] {1, -1}, 3.0, 3));
        sum.add(shard(new float[] {7, 6, 5, 4, 3, 2}, new float[] {3, 1}, 5.0, 5));
        List<Tensor> sums = sum.sums();
        assertEquals(2, sums.size());
        assertEquals(Shape.of(2, 3), sums.get(0).shape());
        assertEquals(Shape.of(2), sums.get(1).shape());
        assertEquals(DType.FLOAT32, sums.get(0).dtype());
        assertArrayEquals(new float[] {8, 8, 8, 8, 8, 8}, sums.get(0).toFloatArray());
        assertArrayEquals(new float[] {4, 0}, sums.get(1).toFloatArray());
        assertEquals(8, sum.samples());
        assertEquals(1.0, sum.meanLoss(), 0);
    }

    @Test
    void theSumsOfOneShardAreItsOwnGradients() {
        GradientSum sum = new GradientSum(PARAMETERS);
        ShardGradient only = shard(new float[] {1, 2, 3, 4, 5, 6}, new float[] {1, -1}, 3.0, 3);
        sum.add(only);
        assertSame(only.gradients().get(0), sum.sums().get(0));
        assertSame(only.gradients().get(1), sum.sums().get(1));
    }

    @Test
    void addsInTheOrderGiven() {
        // float32: (1e8 + 1) − 1e8 = 0, but (1e8 − 1e8) + 1 = 1
        GradientSum sum = new GradientSum(PARAMETERS);
        for (float v : new float[] {1e8f, 1f, -1e8f}) {
            sum.add(shard(new float[] {v, 0, 0, 0, 0, 0}, new float[] {0, v}, 0, 1));
        }
        assertEquals(0f, sum.sums().get(0).toFloatArray()[0]);
        assertEquals(0f, sum.sums().get(1).toFloatArray()[1]);

        GradientSum other = new GradientSum(PARAMETERS);
        for (float v : new float[] {1e8f, -1e8f, 1f}) {
            other.add(shard(new float[] {v, 0, 0, 0, 0, 0}, new float[] {0, v}, 0, 1));
        }
        assertEquals(1f, other.sums().get(0).toFloatArray()[0]);
    }

    @Test
    void sumsMatchASequentialFloat32SumBitForBit() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        GradientSum sum = new GradientSum(PARAMETERS);
        float[] expected = new float[6];
        for (int s = 0; s < 7; s++) {
            float[] w = new float[6];
            for (int i = 0; i < 6; i++) {
                w[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(6)));
                expected[i] += w[i];
            }
            sum.add(shard(w, new float[2], 0, s + 1));
        }
        float[] sums = sum.sums().get(0).toFloatArray();
        for (int i = 0; i < 6; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(sums[i]), "element " + i);
        }
    }

    @Test
    void sumsReuseTheirTensorsAndLaterAddsChangeThemOnlyAtTheNextCall() {
        GradientSum sum = new GradientSum(PARAMETERS);
        sum.add(shard(new float[] {2, 2, 2, 2, 2, 2}, new float[] {2, 2}, 1, 2));
        sum.add(shard(new float[] {1, 1, 1, 1, 1, 1}, new float[] {1, 1}, 1, 2));
        List<Tensor> first = sum.sums();
        sum.add(shard(new float[] {4, 4, 4, 4, 4, 4}, new float[] {4, 4}, 1, 2));
        assertArrayEquals(new float[] {3, 3, 3, 3, 3, 3}, first.get(0).toFloatArray());
        List<Tensor> second = sum.sums();
        assertArrayEquals(new float[] {7, 7, 7, 7, 7, 7}, second.get(0).toFloatArray());
        assertSame(first.get(0), second.get(0));
    }

    @Test
    void resetForgetsEverything() {
        GradientSum sum = new GradientSum(PARAMETERS);
        sum.add(shard(new float[] {9, 9, 9, 9, 9, 9}, new float[] {9, 9}, 100, 1));
        sum.reset();
        assertEquals(0, sum.samples());
        assertThrows(IllegalStateException.class, sum::sums);
        sum.add(shard(new float[] {1, 2, 3, 4, 5, 6}, new float[] {7, 8}, 4, 2));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, sum.sums().get(0).toFloatArray());
        assertArrayEquals(new float[] {7, 8}, sum.sums().get(1).toFloatArray());
        assertEquals(2.0, sum.meanLoss(), 0);
    }

    @Test
    void sumsOfNothingAreAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new GradientSum(PARAMETERS).sums());
        assertTrue(e.getMessage().contains("no samples"), e.getMessage());
    }

    @Test
    void aGradientOfTheWrongShapeIsNamed() {
        GradientSum sum = new GradientSum(PARAMETERS);
        ShardGradient transposed = new ShardGradient(List.of(Tensor.zeros(DType.FLOAT32, 3, 2), Tensor.zeros(DType.FLOAT32, 2)), 0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sum.add(transposed));
        assertTrue(e.getMessage().contains("[3, 2]"), e.getMessage());
        assertTrue(e.getMessage().contains("float32 [2, 3] for fc1.weight"), e.getMessage());
    }

    @Test
    void aFloat64GradientIsRejected() {
        GradientSum sum = new GradientSum(PARAMETERS);
        ShardGradient wide = new ShardGradient(List.of(Tensor.zeros(DType.FLOAT64, 2, 3), Tensor.zeros(DType.FLOAT32, 2)), 0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sum.add(wide));
        assertTrue(e.getMessage().contains("float64"), e.getMessage());
        assertTrue(e.getMessage().contains("fc1.weight"), e.getMessage());
    }

    @Test
    void theWrongNumberOfGradientsIsRejected() {
        GradientSum sum = new GradientSum(PARAMETERS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sum.add(new ShardGradient(List.of(Tensor.zeros(DType.FLOAT32, 2, 3)), 0, 1)));
        assertEquals("1 gradients for 2 parameters", e.getMessage());
    }

    @Test
    void aRejectedShardLeavesTheSumUnchanged() {
        GradientSum sum = new GradientSum(PARAMETERS);
        sum.add(shard(new float[] {1, 1, 1, 1, 1, 1}, new float[] {1, 1}, 1, 1));
        // the first gradient fits, the second does not: nothing of this shard may be added
        ShardGradient bad = new ShardGradient(List.of(Tensor.full(DType.FLOAT32, 5, Shape.of(2, 3)), Tensor.zeros(DType.FLOAT32, 3)), 7, 1);
        assertThrows(IllegalArgumentException.class, () -> sum.add(bad));
        assertEquals(1, sum.samples());
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, sum.sums().get(0).toFloatArray(),
                "a failed add must not leave part of its gradients in the sum");
        assertEquals(1.0, sum.meanLoss(), 0);
    }
}
