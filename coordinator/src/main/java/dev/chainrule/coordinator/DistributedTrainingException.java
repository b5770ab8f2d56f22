package dev.chainrule.coordinator;

/**
 * A distributed run cannot go on: workers did not join in time, a step's gradients did not arrive
 * in time, or a worker broke the protocol or went away while it owed a shard. The message names the
 * step, the shards and the workers concerned.
 */
public final class DistributedTrainingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was expected, what happened, and which step and workers it concerns */
    public DistributedTrainingException(String message) {
        super(message);
    }
}
