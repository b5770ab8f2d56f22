package dev.chainrule.weights;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A path given for output that cannot be written: its directory is missing or not writable, or it
 * names something other than a regular file (a directory, a device). The message names the path as
 * the user gave it, never a temporary file.
 */
public final class OutputPathException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A problem with {@code path}; the message is {@code "path: problem"}. */
    public OutputPathException(Path path, String problem) {
        super(path + ": " + problem);
    }

    /** A problem with {@code path} found through {@code cause}. */
    public OutputPathException(Path path, String problem, Throwable cause) {
        super(path + ": " + problem, cause);
    }
}
