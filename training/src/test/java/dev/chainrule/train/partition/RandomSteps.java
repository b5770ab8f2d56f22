package dev.chainrule.train.partition;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.train.ShardPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Optimiser steps with random shard gradients from a fixed seed: batches cut into shards of which
 * some are empty, divisors that are and are not powers of two, a learning rate that changes every
 * step, and gradients whose magnitudes span several decades, so that adding them in another order
 * would change their sums' bits.
 */
final class RandomSteps {
    private static final int[][] BATCH_AND_SHARDS = {{5, 7}, {8, 3}, {4, 6}, {12, 5}, {3, 4}, {7, 7}};
    private static final double[] LEARNING_RATES = {0.05, 0.013, 0.2, 0.0071, 0.031, 0.09};

    /** One step: its shards, learning rate, and each non-empty shard's gradient of every parameter and loss sum. */
    record Step(ShardPlan plan, double learningRate, List<List<Tensor>> gradients, double[] lossSums) {
        /** The divisor of the gradient sums: the batch size. */
        float divisor() {
            return plan.start(plan.shards() - 1) + plan.size(plan.shards() - 1);
        }
    }

    private RandomSteps() {
    }

    /** Float32 parameters with these names and shapes (in the map's order) and random values from {@code seed}. */
    static List<Tensor> parameters(Map<String, Shape> shapes, long seed) {
        Random random = new Random(seed);
        List<Tensor> parameters = new ArrayList<>();
        shapes.forEach((name, shape) -> parameters.add(Tensor.of(values(random, shape.size(), 0), shape.dims()).named(name)));
        return parameters;
    }

    /** Up to six steps of gradients shaped like {@code parameters}, from {@code seed}. */
    static List<Step> steps(List<Tensor> parameters, int count, long seed) {
        Random random = new Random(seed);
        List<Step> steps = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            ShardPlan plan = new ShardPlan(BATCH_AND_SHARDS[k][0], BATCH_AND_SHARDS[k][1]);
            List<List<Tensor>> gradients = new ArrayList<>();
            double[] lossSums = new double[plan.shards()];
            for (int s = 0; s < plan.shards(); s++) {
                List<Tensor> shard = new ArrayList<>();
                if (plan.size(s) > 0) {
                    for (Tensor p : parameters) {
                        shard.add(Tensor.of(values(random, p.size(), 3), p.shape().dims()));
                    }
                    lossSums[s] = random.nextDouble() * plan.size(s);
                }
                gradients.add(shard);
            }
            steps.add(new Step(plan, LEARNING_RATES[k], gradients, lossSums));
        }
        return steps;
    }

    /** Copies of {@code parameters}, named alike, that share no memory with them. */
    static List<Tensor> copies(List<Tensor> parameters) {
        return parameters.stream().map(p -> Tensor.of(p.toFloatArray(), p.shape().dims()).named(p.name())).toList();
    }

    /** {@code n} Gaussian floats, each scaled by 10^e for a random e in [−decades, decades]. */
    private static float[] values(Random random, int n, int decades) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(2 * decades + 1) - decades));
        }
        return values;
    }
}
