package dev.chainrule.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;

/**
 * Reads text line by line, as {@link java.io.BufferedReader#readLine} does (a line ends at
 * {@code \n}, {@code \r} or {@code \r\n}), but refuses a line longer than a limit before it has
 * read more of it: a file with no line ends ({@code /dev/zero}) fails after {@code limit}
 * characters instead of filling the memory. Not thread-safe.
 */
final class LineReader {
    private final Reader in;
    private final Path file;
    private final int limit;
    private final char[] buffer = new char[DataFiles.BUFFER];
    private int position;
    private int filled;
    private int lineNumber;
    private boolean afterCarriageReturn;

    /** Lines of {@code in} (read from {@code file}, named in errors) of at most {@code limit} characters. */
    LineReader(Reader in, Path file, int limit) {
        this.in = in;
        this.file = file;
        this.limit = limit;
    }

    /** The number of the line {@link #next} returned last, counting from 1. */
    int lineNumber() {
        return lineNumber;
    }

    /**
     * The next line without its line end, or null at the end of the text.
     *
     * @throws DataFileException naming the file and the line when the line is longer than the limit
     */
    String next() throws IOException {
        StringBuilder line = new StringBuilder();
        boolean any = false;
        while (true) {
            if (position == filled) {
                filled = in.read(buffer);
                position = 0;
                if (filled <= 0) {
                    filled = 0;
                    if (!any) {
                        return null;
                    }
                    lineNumber++;
                    return line.toString();
                }
            }
            char c = buffer[position++];
            if (afterCarriageReturn) {
                afterCarriageReturn = false;
                if (c == '\n') {
                    continue;
                }
            }
            any = true;
            if (c == '\n' || c == '\r') {
                afterCarriageReturn = c == '\r';
                lineNumber++;
                return line.toString();
            }
            if (line.length() == limit) {
                throw new DataFileException(file, "line " + (lineNumber + 1) + " is longer than " + limit
                        + " characters, the most a line may have (is this a CSV file?)");
            }
            line.append(c);
        }
    }
}
