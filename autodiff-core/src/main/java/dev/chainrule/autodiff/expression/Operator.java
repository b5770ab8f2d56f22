package dev.chainrule.autodiff.expression;

/**
 * The binary operators with their precedence and associativity: {@code + -} bind loosest, then
 * {@code * /}, then unary minus ({@link #UNARY_MINUS_PRECEDENCE}), then {@code ^}, which is
 * right-associative.
 */
public enum Operator {
    ADD("+", 1, false),
    SUBTRACT("-", 1, false),
    MULTIPLY("*", 2, false),
    DIVIDE("/", 2, false),
    POWER("^", 4, true);

    /** Unary minus binds tighter than {@code * /} and looser than {@code ^}: {@code -x^2} is −(x²). */
    public static final int UNARY_MINUS_PRECEDENCE = 3;

    private final String symbol;
    private final int precedence;
    private final boolean rightAssociative;

    Operator(String symbol, int precedence, boolean rightAssociative) {
        this.symbol = symbol;
        this.precedence = precedence;
        this.rightAssociative = rightAssociative;
    }

    /** The operator as written. */
    public String symbol() {
        return symbol;
    }

    /** Higher binds tighter. */
    public int precedence() {
        return precedence;
    }

    /** True for {@code ^}: {@code a^b^c} is a^(b^c). */
    public boolean rightAssociative() {
        return rightAssociative;
    }

    /** The operator a token stands for, or null if the token is not a binary operator. */
    static Operator of(Token.Kind kind) {
        return switch (kind) {
            case PLUS -> ADD;
            case MINUS -> SUBTRACT;
            case STAR -> MULTIPLY;
            case SLASH -> DIVIDE;
            case CARET -> POWER;
            default -> null;
        };
    }
}
