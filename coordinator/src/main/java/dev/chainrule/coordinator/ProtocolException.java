package dev.chainrule.coordinator;

import io.grpc.Status;

/**
 * A worker's message breaks the contract; carries the status its session ends with, whose
 * description says what was expected and what arrived. The codes, as {@code training.proto}
 * documents them: INVALID_ARGUMENT for a malformed message whatever the run's state,
 * FAILED_PRECONDITION for a well-formed one that does not fit the run's state, NOT_FOUND for a
 * worker id the run never gave out, RESOURCE_EXHAUSTED for a worker or a message too many.
 */
final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Status status;

    private ProtocolException(Status status) {
        super(status.getDescription());
        this.status = status;
    }

    /** A malformed message: a missing field, a wrong name, shape, dtype, length or offset, chunks out of order, NaN. */
    static ProtocolException invalid(String description) {
        return new ProtocolException(Status.INVALID_ARGUMENT.withDescription(description));
    }

    /** A well-formed message that does not fit the run's state: another step, a shard not owed, another model or data set. */
    static ProtocolException precondition(String description) {
        return new ProtocolException(Status.FAILED_PRECONDITION.withDescription(description));
    }

    /** A reference to a worker the run does not know. */
    static ProtocolException notFound(String description) {
        return new ProtocolException(Status.NOT_FOUND.withDescription(description));
    }

    /** A worker that is not wanted, or a message over the size limit. */
    static ProtocolException exhausted(String description) {
        return new ProtocolException(Status.RESOURCE_EXHAUSTED.withDescription(description));
    }

    /** The status to end the session with. */
    Status status() {
        return status;
    }
}
