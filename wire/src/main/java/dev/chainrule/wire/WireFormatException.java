package dev.chainrule.wire;

/** A message on the wire does not follow the contract: bad dtype, shape, offset or size. Maps to INVALID_ARGUMENT. */
public final class WireFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was expected and what was found */
    public WireFormatException(String message) {
        super(message);
    }
}
