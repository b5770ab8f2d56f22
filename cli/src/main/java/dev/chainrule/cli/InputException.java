package dev.chainrule.cli;

/**
 * The user's input is invalid in a way picocli cannot check (a bad --at pair, a variable without a
 * value): reported in one line, exit code 2.
 */
final class InputException extends Exception {
    private static final long serialVersionUID = 1L;

    InputException(String message) {
        super(message);
    }
}
