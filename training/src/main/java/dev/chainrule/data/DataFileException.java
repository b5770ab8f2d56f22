package dev.chainrule.data;

import java.nio.file.Path;

/** A data file (or a data set read from one) that is missing, malformed, or does not fit the model; the message names the file. */
public final class DataFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;

    /** A problem with {@code source} (a file, or a description naming the files); the message is {@code "source: problem"}. */
    public DataFileException(String source, String problem) {
        super(source + ": " + problem);
        this.source = source;
    }

    /** A problem with {@code file}. */
    public DataFileException(Path file, String problem) {
        this(String.valueOf(file), problem);
    }

    /** A problem with {@code file} caused by an I/O or decoding failure. */
    public DataFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.source = String.valueOf(file);
    }

    /** The file, or the description naming the files, that the problem is about. */
    public String source() {
        return source;
    }
}
