package dev.chainrule.worker;

/** The coordinator sent something the contract does not allow; the worker cancels the session with this message. */
final class ProtocolViolation extends Exception {
    private static final long serialVersionUID = 1L;

    ProtocolViolation(String message) {
        super(message);
    }
}
