package dev.chainrule.autodiff.expression;

/**
 * What to compute at each kind of node when folding a tree bottom-up with {@link PostOrder#fold}:
 * each method receives the node and the results already computed for its children.
 *
 * @param <R> the result type
 */
public interface ExprVisitor<R> {

    /** The result for a number literal. */
    R constant(Expr.Constant node);

    /** The result for a variable. */
    R variable(Expr.Variable node);

    /** The result for unary minus, given its operand's result. */
    R negate(Expr.Negate node, R operand);

    /** The result for a binary operation, given its operands' results. */
    R binary(Expr.Binary node, R left, R right);

    /** The result for a function call, given its argument's result. */
    R call(Expr.Call node, R argument);
}
