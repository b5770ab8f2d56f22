package dev.chainrule.autodiff.expression;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Folds an expression tree bottom-up, children left to right before their parent, with explicit
 * stacks instead of recursion, so a tree of any depth (e.g. a sum of 100,000 terms, which parses
 * into a left-deep tree) is walked without overflowing the Java stack. Left to right means nodes are
 * visited in the order they were written: the first visit of a variable is its first appearance.
 */
public final class PostOrder {
    private PostOrder() {
    }

    /** The visitor's result for {@code root}. */
    public static <R> R fold(Expr root, ExprVisitor<R> visitor) {
        Deque<Frame> stack = new ArrayDeque<>();
        List<R> results = new ArrayList<>();
        stack.push(new Frame(root, false));
        while (!stack.isEmpty()) {
            Frame frame = stack.pop();
            if (frame.childrenDone) {
                results.add(combine(frame.node, results, visitor));
                continue;
            }
            stack.push(new Frame(frame.node, true));
            if (frame.node instanceof Expr.Binary b) {
                stack.push(new Frame(b.right(), false));
                stack.push(new Frame(b.left(), false));
            } else if (frame.node instanceof Expr.Negate n) {
                stack.push(new Frame(n.operand(), false));
            } else if (frame.node instanceof Expr.Call c) {
                stack.push(new Frame(c.argument(), false));
            }
        }
        return results.get(0);
    }

    private static <R> R combine(Expr node, List<R> results, ExprVisitor<R> visitor) {
        if (node instanceof Expr.Constant c) {
            return visitor.constant(c);
        }
        if (node instanceof Expr.Variable v) {
            return visitor.variable(v);
        }
        if (node instanceof Expr.Negate n) {
            return visitor.negate(n, pop(results));
        }
        if (node instanceof Expr.Call c) {
            return visitor.call(c, pop(results));
        }
        Expr.Binary b = (Expr.Binary) node;
        R right = pop(results);
        R left = pop(results);
        return visitor.binary(b, left, right);
    }

    private static <R> R pop(List<R> results) {
        return results.remove(results.size() - 1);
    }

    /** A node on the stack, and whether its children have been folded already. */
    private record Frame(Expr node, boolean childrenDone) {
    }
}
