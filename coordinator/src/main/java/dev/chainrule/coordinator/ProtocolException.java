package dev.chainrule.coordinator;

import io.grpc.Status;

/** A worker's message breaks the contract; carries the status its session ends with. */
final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Status status;

    private ProtocolException(Status status) {
        super(status.getDescription());
        this.status = status;
    }

    /** A malformed or out-of-order message. */
    static ProtocolException invalid(String description) {
        return new ProtocolException(Status.INVALID_ARGUMENT.withDescription(description));
    }

    /** A worker that does not fit the run. */
    static ProtocolException precondition(String description) {
        return new ProtocolException(Status.FAILED_PRECONDITION.withDescription(description));
    }

    /** A worker that is not wanted. */
    static ProtocolException exhausted(String description) {
        return new ProtocolException(Status.RESOURCE_EXHAUSTED.withDescription(description));
    }

    /** The status to end the session with. */
    Status status() {
        return status;
    }
}
