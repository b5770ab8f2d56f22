package dev.chainrule.weights;

import java.util.List;

/**
 * A weights file that is malformed, unsupported, or does not fit the model; the message names the
 * file, says what was expected and what was found, and lists the problems found (the first
 * {@value #MAX_LISTED} in the message, all of them in {@link #problems()}).
 */
public final class WeightsFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The message lists this many problems at most, then says how many more there are. */
    static final int MAX_LISTED = 20;

    private final String source;
    private final List<String> problems;

    /** One problem with {@code source} (a file, or a description of in-memory bytes); the message is {@code "source: problem"}. */
    public WeightsFileException(String source, String problem) {
        this(source, problem, List.of(problem));
    }

    /** Several problems with {@code source}, summarised by {@code summary}; the message lists each on its own line. */
    public WeightsFileException(String source, String summary, List<String> problems) {
        super(message(source, summary, problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    private static String message(String source, String summary, List<String> problems) {
        if (problems.size() == 1 && problems.get(0).equals(summary)) {
            return source + ": " + summary;
        }
        StringBuilder sb = new StringBuilder(source).append(": ").append(summary);
        for (String p : problems.subList(0, Math.min(problems.size(), MAX_LISTED))) {
            sb.append("\n  - ").append(p);
        }
        if (problems.size() > MAX_LISTED) {
            sb.append("\n  - and ").append(problems.size() - MAX_LISTED).append(" more");
        }
        return sb.toString();
    }

    /** The file, or the description of the bytes, that the problems are about. */
    public String source() {
        return source;
    }

    /** Every problem found, one sentence each. */
    public List<String> problems() {
        return problems;
    }
}
