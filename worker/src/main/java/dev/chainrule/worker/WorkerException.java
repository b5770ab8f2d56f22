package dev.chainrule.worker;

/**
 * A worker's session ended without the coordinator's Stop: the coordinator went silent past the
 * receive timeout, ended the stream with an error status, or broke the protocol. The message names
 * what the worker was waiting for (with the step) or the status' description.
 */
public final class WorkerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened, and at which step */
    public WorkerException(String message) {
        super(message);
    }

    /** @param message what happened, and at which step; {@code cause} the gRPC error, if any */
    public WorkerException(String message, Throwable cause) {
        super(message, cause);
    }
}
