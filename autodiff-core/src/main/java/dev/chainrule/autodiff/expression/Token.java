package dev.chainrule.autodiff.expression;

/**
 * One token of an expression: its kind, its text as written, and the 1-based column of its first
 * character (the end-of-input token sits one column past the last character).
 */
public record Token(Kind kind, String text, int column) {

    /** The kinds of token. */
    public enum Kind { NUMBER, NAME, PLUS, MINUS, STAR, SLASH, CARET, LPAREN, RPAREN, END }

    /** How the token is named in error messages, e.g. {@code number '3.5'} or {@code '*'}. */
    public String describe() {
        return switch (kind) {
            case NUMBER -> "number '" + text + "'";
            case NAME -> "name '" + text + "'";
            case END -> "end of input";
            default -> "'" + text + "'";
        };
    }
}
