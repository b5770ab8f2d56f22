package dev.chainrule.checkpoint;

/**
 * A checkpoint that cannot be used: a damaged file (truncated, or whose content does not match its
 * SHA-256), a file that is not a checkpoint of this format, a directory with no valid checkpoint, or
 * a checkpoint written by a run with another configuration. The message names the file or
 * directory and says what was expected and what was found.
 */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message names the file or directory; what was expected, what was found */
    public CheckpointException(String message) {
        super(message);
    }

    /** @param message names the file or directory; {@code cause} the underlying error */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
