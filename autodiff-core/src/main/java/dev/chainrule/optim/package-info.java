/**
 * Optimisers and learning-rate schedules with the semantics of PyTorch 1.13's {@code torch.optim}:
 * plain SGD, SGD with momentum, and Adam, each with optional L2 weight decay
 * ({@link dev.chainrule.optim.Optimizers}); constant and cosine-annealed learning rates
 * ({@link dev.chainrule.optim.LearningRateSchedules}).
 *
 * <p>An optimiser updates named parameters in place from gradients at the same positions, keeps its
 * per-parameter buffers under {@code <parameter name>.<buffer>} (torch's names: {@code momentum_buffer},
 * {@code exp_avg}, {@code exp_avg_sq}), and exports and imports them as an
 * {@link dev.chainrule.optim.OptimizerState} for checkpoints. Float32 parameters are updated with
 * torch's float32 arithmetic: scalars are cast to float32, and every intermediate that torch stores
 * is rounded to float32; {@code tools/oracle/make_optim_fixtures.py} records torch's results for the
 * tests to match.
 */
package dev.chainrule.optim;
