package dev.chainrule.optim;

import java.util.List;

/** Creates learning-rate schedules by kind: {@code constant} or {@code cosine}. */
public final class LearningRateSchedules {
    /** The kinds {@link #create} accepts. */
    public static final List<String> KINDS = List.of("constant", "cosine");

    private LearningRateSchedules() {
    }

    /**
     * A schedule starting at {@code baseRate} for a run of {@code totalSteps} optimiser steps.
     *
     * <ul>
     *   <li>{@code constant}: {@code baseRate} at every step;
     *   <li>{@code cosine}: torch's {@code CosineAnnealingLR(T_max = totalSteps, eta_min = 0)}, annealing
     *       from {@code baseRate} at step 0 towards 0, which it would reach at step {@code totalSteps}.
     * </ul>
     *
     * @throws IllegalArgumentException for an unknown kind (listing the valid ones), a negative or
     *     non-finite {@code baseRate}, or {@code totalSteps < 1}
     */
    public static LearningRateSchedule create(String kind, double baseRate, long totalSteps) {
        Checks.nonNegative("learning rate", baseRate);
        Checks.atLeast("totalSteps", totalSteps, 1);
        if (kind == null) {
            throw Checks.unknownKind("learning-rate schedule", null, KINDS);
        }
        return switch (kind) {
            case "constant" -> new Constant(baseRate, totalSteps);
            case "cosine" -> new Cosine(baseRate, totalSteps);
            default -> throw Checks.unknownKind("learning-rate schedule", kind, KINDS);
        };
    }

    /** The same rate at every step. */
    private record Constant(double baseRate, long totalSteps) implements LearningRateSchedule {
        @Override
        public double rate(long step) {
            Checks.atLeast("step", step, 0);
            return baseRate;
        }
    }

    /**
     * Cosine annealing to 0 over {@code totalSteps}, in torch's closed form
     * {@code eta_min + (base − eta_min)·(1 + cos(π·step/T_max))/2} with the same operation order.
     *
     * <p>Torch's scheduler itself steps a recursive formula, {@code lr_t = (1 + cos(π·t/T))/(1 + cos(π·(t−1)/T))
     * ·lr_{t−1}}. The closed form is used here because that product telescopes: each step's
     * numerator is the next step's denominator, the same rounded value, so the two differ by about
     * one rounding per step: against the torch values recorded in the fixtures (T_max up to 1000, steps up to
     * 2·T_max + 2) the largest relative difference is 4.6e-15, and against a transcription of the
     * recursion it is 5.3e-14 at T_max 100000 ({@code LearningRateScheduleTest} requires 1e-12). Both
     * give exactly 0 at step {@code totalSteps}; past it the rate rises again, as torch's does.
     */
    private record Cosine(double baseRate, long totalSteps) implements LearningRateSchedule {
        @Override
        public double rate(long step) {
            Checks.atLeast("step", step, 0);
            return baseRate * (1 + StrictMath.cos(Math.PI * step / totalSteps)) / 2;
        }
    }
}
