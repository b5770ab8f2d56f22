package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link StepReduction} with plain SGD at learning rate 1 and divisor 1 on zero weights, so that
 * after a step every weight is exactly minus its gradient sum and the sums can be read bit for bit.
 */
class StepReductionTest {
    private static final OptimizerSettings SETTINGS = OptimizerSettings.defaults();

    private static List<Tensor> parameters() {
        return List.of(Tensor.zeros(DType.FLOAT32, 2, 3).named("fc1.weight"), Tensor.zeros(DType.FLOAT32, 2).named("fc1.bias"));
    }

    private static StepReduction begun(List<Tensor> parameters, int samples, int shards) {
        StepReduction reduction = new StepReduction(parameters, Optimizers.create("sgd", SETTINGS));
        reduction.begin(new ShardPlan(samples, shards), 1, 1.0);
        return reduction;
    }

    @Test
    void eachParameterSumsItsShardsInShardOrderWhateverOrderTheyArriveIn() {
        Random random = new Random(3);
        int shards = 7;
        float[][] weight = new float[shards][6];
        float[][] bias = new float[shards][2];
        float[] expectedWeight = new float[6];
        float[] expectedBias = new float[2];
        for (int s = 0; s < shards; s++) {
            for (int i = 0; i < 6; i++) {
                weight[s][i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8)));
                expectedWeight[i] += weight[s][i];
            }
            for (int i = 0; i < 2; i++) {
                bias[s][i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8)));
                expectedBias[i] += bias[s][i];
            }
        }
        for (int trial = 0; trial < 20; trial++) {
            List<Tensor> parameters = parameters();
            StepReduction reduction = begun(parameters, shards, shards);
            List<int[]> arrivals = new ArrayList<>();
            for (int s = 0; s < shards; s++) {
                arrivals.add(new int[] {s, 0});
                arrivals.add(new int[] {s, 1});
            }
            Collections.shuffle(arrivals, random);
            for (int[] a : arrivals) {
                reduction.add(a[0], a[1], a[1] == 0 ? Tensor.of(weight[a[0]].clone(), 2, 3) : Tensor.of(bias[a[0]].clone(), 2));
                reduction.addLoss(a[0], 1, 1);
            }
            reduction.finish();
            assertBits(negated(expectedWeight), parameters.get(0).toFloatArray());
            assertBits(negated(expectedBias), parameters.get(1).toFloatArray());
        }
    }

    @Test
    void aParameterSumCompletesWithItsLastShardAndNoParameterMovesBeforeFinish() {
        List<Tensor> parameters = parameters();
        StepReduction reduction = begun(parameters, 4, 2);
        assertFalse(reduction.add(1, 1, Tensor.of(new float[] {1, 2}, 2)), "shard 1 waits for shard 0");
        assertFalse(reduction.complete(1));
        assertTrue(reduction.add(0, 1, Tensor.of(new float[] {10, 20}, 2)), "shard 0 completes the bias");
        assertTrue(reduction.complete(1));
        assertFalse(reduction.complete(0));
        assertArrayEquals(new float[2], parameters.get(1).toFloatArray(), "nothing is updated before finish");
        assertFalse(reduction.add(0, 0, Tensor.full(DType.FLOAT32, 1, dev.chainrule.autodiff.Shape.of(2, 3))));
        assertTrue(reduction.add(1, 0, Tensor.full(DType.FLOAT32, 2, dev.chainrule.autodiff.Shape.of(2, 3))));
        reduction.addLoss(0, 1, 2);
        reduction.addLoss(1, 1, 2);
        reduction.finish();
        assertArrayEquals(new float[] {-11, -22}, parameters.get(1).toFloatArray());
        assertArrayEquals(new float[] {-3, -3, -3, -3, -3, -3}, parameters.get(0).toFloatArray());
    }

    @Test
    void aRepeatedShardIsIgnoredBeforeAndAfterItWasAdded() {
        List<Tensor> parameters = parameters();
        StepReduction reduction = begun(parameters, 2, 2);
        reduction.add(1, 1, Tensor.of(new float[] {1, 2}, 2));
        assertFalse(reduction.add(1, 1, Tensor.of(new float[] {100, 100}, 2)), "waiting: the first copy stays");
        reduction.add(0, 1, Tensor.of(new float[] {10, 20}, 2));
        assertFalse(reduction.add(0, 1, Tensor.of(new float[] {100, 100}, 2)), "added: ignored");
        reduction.add(0, 0, Tensor.zeros(DType.FLOAT32, 2, 3));
        reduction.add(1, 0, Tensor.zeros(DType.FLOAT32, 2, 3));
        reduction.addLoss(0, 0, 1);
        reduction.addLoss(1, 0, 1);
        reduction.finish();
        assertArrayEquals(new float[] {-11, -22}, parameters.get(1).toFloatArray());
    }

    @Test
    void emptyShardsAreSkippedAndTheLossIsTheMeanOverTheSamples() {
        List<Tensor> parameters = parameters();
        StepReduction reduction = begun(parameters, 2, 4); // shards 2 and 3 are empty
        for (int s = 0; s < 2; s++) {
            reduction.add(s, 0, Tensor.full(DType.FLOAT32, s + 1, dev.chainrule.autodiff.Shape.of(2, 3)));
            reduction.add(s, 1, Tensor.of(new float[] {s, s}, 2));
            reduction.addLoss(s, 3.0 * (s + 1), 1);
        }
        assertEquals(4.5, reduction.finish(), 0);
        assertArrayEquals(new float[] {-3, -3, -3, -3, -3, -3}, parameters.get(0).toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> begun(parameters(), 2, 4)
                .add(3, 0, Tensor.zeros(DType.FLOAT32, 2, 3)));
        assertEquals("shard 3 (expected: a non-empty shard of 4)", e.getMessage());
    }

    @Test
    void finishNamesWhatIsMissingAndChecksTheSampleCounts() {
        StepReduction reduction = begun(parameters(), 2, 2);
        reduction.add(0, 0, Tensor.zeros(DType.FLOAT32, 2, 3));
        assertEquals("the step is missing the gradients of [fc1.weight (from shard 1), fc1.bias (from shard 0)]",
                assertThrows(IllegalStateException.class, reduction::finish).getMessage());
        reduction.add(1, 0, Tensor.zeros(DType.FLOAT32, 2, 3));
        reduction.add(0, 1, Tensor.zeros(DType.FLOAT32, 2));
        reduction.add(1, 1, Tensor.zeros(DType.FLOAT32, 2));
        reduction.addLoss(0, 1, 1);
        assertEquals("shard 1 reported 0 samples (expected: 1)", assertThrows(IllegalStateException.class, reduction::finish).getMessage());
    }

    @Test
    void gradientsUnlikeTheParameterAreRejectedWithoutChangingAnything() {
        List<Tensor> parameters = parameters();
        StepReduction reduction = begun(parameters, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reduction.add(0, 0, Tensor.zeros(DType.FLOAT32, 3, 2)));
        assertTrue(e.getMessage().contains("(expected: float32 [2, 3] for fc1.weight)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> reduction.add(0, 1, Tensor.zeros(DType.FLOAT64, 2)));
        assertFalse(reduction.complete(0));
        assertFalse(reduction.complete(1));
    }

    @Test
    void anAbandonedStepChangesNothingAndTheNextOneBegins() {
        List<Tensor> parameters = parameters();
        StepReduction reduction = begun(parameters, 1, 1);
        reduction.add(0, 1, Tensor.of(new float[] {5, 6}, 2));
        assertThrows(IllegalStateException.class, () -> reduction.begin(new ShardPlan(1, 1), 1, 1.0), "still in progress");
        reduction.abandon();
        assertArrayEquals(new float[] {0, 0}, parameters.get(1).toFloatArray());
        reduction.begin(new ShardPlan(1, 1), 1, 1.0);
        reduction.add(0, 0, Tensor.zeros(DType.FLOAT32, 2, 3));
        reduction.add(0, 1, Tensor.of(new float[] {1, 1}, 2));
        reduction.addLoss(0, 0, 1);
        reduction.finish();
        assertArrayEquals(new float[] {-1, -1}, parameters.get(1).toFloatArray());
    }

    @Test
    void aRetractedShardLeavesNothingInTheSumsAndMayBeGivenAgain() {
        List<Tensor> parameters = parameters();
        StepReduction reduction = begun(parameters, 3, 3);
        reduction.add(0, 1, Tensor.of(new float[] {1, 2}, 2));
        reduction.add(2, 1, Tensor.of(new float[] {100, 200}, 2));
        reduction.add(1, 1, Tensor.of(new float[] {1000, 1000}, 2)); // a worker that will break the protocol
        assertTrue(reduction.complete(1));
        reduction.add(1, 0, Tensor.full(DType.FLOAT32, 1000, dev.chainrule.autodiff.Shape.of(2, 3)));
        assertTrue(reduction.retract(1));
        assertFalse(reduction.complete(1), "shard 1 is out of the sum again");
        assertFalse(reduction.retract(1), "nothing left to take back");
        reduction.add(0, 0, Tensor.full(DType.FLOAT32, 1, dev.chainrule.autodiff.Shape.of(2, 3)));
        reduction.add(2, 0, Tensor.full(DType.FLOAT32, 4, dev.chainrule.autodiff.Shape.of(2, 3)));
        assertTrue(reduction.add(1, 1, Tensor.of(new float[] {10, 20}, 2)), "recomputed by another worker");
        assertTrue(reduction.add(1, 0, Tensor.full(DType.FLOAT32, 2, dev.chainrule.autodiff.Shape.of(2, 3))));
        for (int s = 0; s < 3; s++) {
            reduction.addLoss(s, 1, 1);
        }
        reduction.finish();
        assertArrayEquals(new float[] {-111, -222}, parameters.get(1).toFloatArray());
        assertArrayEquals(new float[] {-7, -7, -7, -7, -7, -7}, parameters.get(0).toFloatArray());
    }

    private static float[] negated(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = -values[i];
        }
        return out;
    }

    private static void assertBits(float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]), "element " + i);
        }
    }
}
