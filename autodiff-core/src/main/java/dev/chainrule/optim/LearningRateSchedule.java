package dev.chainrule.optim;

/**
 * The learning rate of every optimiser step of a run, as PyTorch's schedulers set it when stepped
 * once after each optimiser step; made by {@link LearningRateSchedules#create}. Immutable and
 * thread-safe.
 */
public interface LearningRateSchedule {
    /**
     * The rate used by optimiser step {@code step}, counting from 0.
     *
     * @throws IllegalArgumentException when {@code step} is negative
     */
    double rate(long step);
}
