package dev.chainrule.autodiff.expression;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed scalar expression such as {@code x1^4*x2 + sin(x1) + log(x2)}: its text, its tree, and
 * its variables in order of first appearance. Evaluate and differentiate it with {@link
 * ReverseGradient} or {@link ForwardGradient}; the grammar is described in {@link Parser}.
 */
public final class Expression {
    private final String source;
    private final Expr root;
    private final List<String> variables;

    private Expression(String source, Expr root) {
        this.source = source;
        this.root = root;
        this.variables = List.copyOf(collectVariables(root));
    }

    /** Parses {@code source}; throws {@link ExpressionSyntaxException} pointing at the first error. */
    public static Expression parse(String source) {
        return new Expression(source, Parser.parse(source));
    }

    /** The text that was parsed. */
    public String source() {
        return source;
    }

    /** The tree. */
    public Expr root() {
        return root;
    }

    /** The distinct variable names, in order of first appearance in the text. */
    public List<String> variables() {
        return variables;
    }

    @Override
    public String toString() {
        return source;
    }

    private static Set<String> collectVariables(Expr root) {
        Set<String> names = new LinkedHashSet<>();
        PostOrder.fold(root, new ExprVisitor<Void>() {
            @Override
            public Void constant(Expr.Constant node) {
                return null;
            }

            @Override
            public Void variable(Expr.Variable node) {
                names.add(node.name());
                return null;
            }

            @Override
            public Void negate(Expr.Negate node, Void operand) {
                return null;
            }

            @Override
            public Void binary(Expr.Binary node, Void left, Void right) {
                return null;
            }

            @Override
            public Void call(Expr.Call node, Void argument) {
                return null;
            }
        });
        return names;
    }

    /** The variables that {@code values} has no entry for, in order of first appearance. */
    public List<String> unbound(Map<String, ?> values) {
        List<String> missing = new ArrayList<>();
        for (String name : variables) {
            if (!values.containsKey(name)) {
                missing.add(name);
            }
        }
        return missing;
    }
}
