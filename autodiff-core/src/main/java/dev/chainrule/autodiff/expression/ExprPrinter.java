package dev.chainrule.autodiff.expression;

/**
 * Renders a tree fully parenthesised, e.g. {@code -x^2} as {@code (-(x ^ 2))}: shows exactly how the
 * parser grouped the text.
 */
public final class ExprPrinter implements ExprVisitor<String> {
    private static final ExprPrinter INSTANCE = new ExprPrinter();

    private ExprPrinter() {
    }

    /** {@code root} with every operation in parentheses. */
    public static String parenthesized(Expr root) {
        return PostOrder.fold(root, INSTANCE);
    }

    @Override
    public String constant(Expr.Constant node) {
        return node.text();
    }

    @Override
    public String variable(Expr.Variable node) {
        return node.name();
    }

    @Override
    public String negate(Expr.Negate node, String operand) {
        return "(-" + operand + ")";
    }

    @Override
    public String binary(Expr.Binary node, String left, String right) {
        return "(" + left + " " + node.operator().symbol() + " " + right + ")";
    }

    @Override
    public String call(Expr.Call node, String argument) {
        return node.function().symbol() + "(" + argument + ")";
    }
}
