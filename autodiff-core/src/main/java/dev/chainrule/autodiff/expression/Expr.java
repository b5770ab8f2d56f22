package dev.chainrule.autodiff.expression;

/**
 * A node of a parsed expression. Every node keeps the 1-based column where it was written (for a
 * binary node, its operator's column) so later errors can point back at the text. Walk trees with
 * {@link PostOrder#fold}, which needs no recursion.
 */
public sealed interface Expr permits Expr.Constant, Expr.Variable, Expr.Negate, Expr.Binary, Expr.Call {

    /** The 1-based column of the node in the expression text. */
    int column();

    /** A number literal, with its text as written. */
    record Constant(double value, String text, int column) implements Expr {
    }

    /** A variable, to be given a value when the expression is evaluated. */
    record Variable(String name, int column) implements Expr {
    }

    /** Unary minus. */
    record Negate(Expr operand, int column) implements Expr {
    }

    /** {@code left op right}. */
    record Binary(Operator operator, Expr left, Expr right, int column) implements Expr {
    }

    /** {@code function(argument)}. */
    record Call(MathFunction function, Expr argument, int column) implements Expr {
    }
}
