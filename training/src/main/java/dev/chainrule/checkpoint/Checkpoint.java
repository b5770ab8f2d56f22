package dev.chainrule.checkpoint;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerState;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A training run's state after {@code step} optimiser steps: enough to continue it and reach the
 * bits of a run that never stopped. The data order position is a function of the step (step
 * {@code s} uses batch {@code s mod nb} of epoch {@code ⌊s / nb⌋}), so {@code epoch} and
 * {@code batchInEpoch} are recorded for people and for a consistency check, not needed to resume.
 *
 * <p>The maps are unmodifiable copies, in the given order; the tensors themselves are not copied (a
 * trainer saving a checkpoint passes its live parameters, which are written before the next step).
 *
 * @param step optimiser steps completed; the resumed run starts with step {@code step} (counting from 0)
 * @param epoch the epoch that step {@code step} belongs to, counting from 0
 * @param batchInEpoch the position of step {@code step}'s batch within that epoch, counting from 0
 * @param seed the run's seed (of the initialisation and of every epoch's order)
 * @param config the run's {@link RunConfig#fields() configuration fields}
 * @param weights the model's parameters by name ({@code fc1.weight}, …), float32
 * @param optimizer the optimiser's state: kind, step count and buffers, float32
 */
public record Checkpoint(long step, long epoch, int batchInEpoch, long seed, Map<String, String> config,
        Map<String, Tensor> weights, OptimizerState optimizer) {

    /** Checks the counts and takes unmodifiable copies of the maps. */
    public Checkpoint {
        if (step < 0) {
            throw new IllegalArgumentException("step : " + step + " (expected: >= 0)");
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch : " + epoch + " (expected: >= 0)");
        }
        if (batchInEpoch < 0) {
            throw new IllegalArgumentException("batchInEpoch : " + batchInEpoch + " (expected: >= 0)");
        }
        Objects.requireNonNull(optimizer, "optimizer");
        config = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(config, "config")));
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(weights, "weights")));
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("a checkpoint needs the model's weights (none given)");
        }
    }
}
