package dev.chainrule.optim;

import dev.chainrule.autodiff.Tensor;
import java.util.List;

/**
 * Updates parameters in place from their gradients, one optimiser step at a time, as PyTorch's
 * {@code torch.optim} does.
 *
 * <p>Call order: create ({@link Optimizers#create}) → {@link #step} once per optimiser step, with the
 * same named parameters every time → {@link #exportState} / {@link #importState} only
 * between steps. Not thread-safe: one thread steps an optimiser, and no other thread may read or write the
 * parameters while it does.
 */
public interface Optimizer {
    /**
     * Updates each parameter in place from the gradient at the same position (same shapes), with
     * learning rate lr; the same as {@link #step(List, List, float, double)} with divisor 1.
     *
     * @throws IllegalArgumentException naming the parameter or the value that is wrong
     */
    default void step(List<Tensor> parameters, List<Tensor> gradients, double learningRate) {
        step(parameters, gradients, 1, learningRate);
    }

    /**
     * Updates each parameter in place from the gradient sum at the same position (same shapes), with
     * learning rate lr. The gradients are {@code gradientSums / divisor}, rounded to the element type
     * element by element, exactly as if they had been divided in a pass of their own; a trainer passes
     * the gradients summed over a batch and the batch size, and the division happens inside the
     * update's loop. The sums are only read.
     *
     * <p>Parameters must be named ({@link Tensor#named}), uniquely; buffers are kept under those
     * names. Each update runs with recording off ({@code GradMode.noGrad()}) and bumps the
     * parameter's version, so parameters may require grad. The arguments (sizes, names, shapes,
     * element types, divisor, and the buffers from earlier steps) are all checked before anything
     * changes: a step that throws leaves the parameters and the state as they were. A step may run
     * inside an open {@link dev.chainrule.autodiff.Workspace}; the buffers it creates outlive it.
     *
     * @param divisor finite and greater than 0 (1 when the gradients are given as they are)
     * @throws IllegalArgumentException naming the parameter or the value that is wrong
     */
    void step(List<Tensor> parameters, List<Tensor> gradientSums, float divisor, double learningRate);

    /** A copy of the internal state (step count, buffers), for checkpoints. */
    OptimizerState exportState();

    /**
     * Replaces the internal state with one exported earlier (validated: kind, names, shapes).
     *
     * <p>The state's buffers are copied, so later changes to either side do not affect the other.
     * Whether the buffers fit the parameters is checked again by the next {@link #step}.
     *
     * @throws IllegalArgumentException when the state belongs to another kind of optimiser, has
     *     buffer names or shapes that do not fit this kind, or does not fit the buffers this
     *     optimiser already holds
     */
    void importState(OptimizerState state);

    /**
     * Checks, changing nothing, that {@link #importState} would accept {@code state} and that the
     * next {@link #step} of {@code parameters} would accept its buffers (one per parameter and
     * buffer kind after the first step, shaped and typed like the parameter, and no other).
     *
     * @throws IllegalArgumentException naming what does not fit, as {@link #importState} and {@link #step} do
     */
    void checkState(OptimizerState state, List<Tensor> parameters);
}
