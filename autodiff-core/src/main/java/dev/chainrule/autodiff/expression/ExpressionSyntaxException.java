package dev.chainrule.autodiff.expression;

/**
 * The expression text is not in the grammar: carries the text, the 1-based column of the offending
 * character and what was expected there, so a caller can point at it with a caret.
 */
public final class ExpressionSyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int column;
    private final String detail;

    /** @param column 1-based; {@code source.length() + 1} for the end of input */
    public ExpressionSyntaxException(String source, int column, String detail) {
        super("syntax error at column " + column + ": " + detail);
        this.source = source;
        this.column = column;
        this.detail = detail;
    }

    /** The expression text. */
    public String source() {
        return source;
    }

    /** The 1-based column of the offending character. */
    public int column() {
        return column;
    }

    /** What was expected and what was found, without the column. */
    public String detail() {
        return detail;
    }

    /** A line with a {@code ^} under the offending column of {@link #source()} (tabs are copied so it lines up). */
    public String caretLine() {
        StringBuilder line = new StringBuilder(column);
        for (int i = 0; i < column - 1; i++) {
            line.append(i < source.length() && source.charAt(i) == '\t' ? '\t' : ' ');
        }
        return line.append('^').toString();
    }
}
