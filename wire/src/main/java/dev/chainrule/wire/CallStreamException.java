package dev.chainrule.wire;

/**
 * A client's call ended without the peer's orderly end: a wait timed out, the peer ended the call
 * with an error status, or it broke the contract. The message names what the client was waiting for
 * (with the step) or the status' description.
 */
public final class CallStreamException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened, and at which step */
    public CallStreamException(String message) {
        super(message);
    }

    /** @param message what happened, and at which step; {@code cause} the gRPC error, if any */
    public CallStreamException(String message, Throwable cause) {
        super(message, cause);
    }
}
