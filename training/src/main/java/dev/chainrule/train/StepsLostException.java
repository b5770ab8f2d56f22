package dev.chainrule.train;

/**
 * Thrown by a {@link ShardExecutor} when the weights and optimiser state of the steps since the run's
 * newest checkpoint are lost (a process that held part of them is gone) while the run itself can go
 * on: the {@link Trainer} goes back to its newest checkpoint and continues from there, which gives
 * the bits of a run that never stopped.
 */
public final class StepsLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was lost, and why */
    public StepsLostException(String message) {
        super(message);
    }
}
