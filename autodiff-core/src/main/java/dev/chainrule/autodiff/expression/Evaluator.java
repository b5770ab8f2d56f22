package dev.chainrule.autodiff.expression;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.ops.Ops;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the tensor graph of an expression: one leaf per distinct variable and per number literal
 * (made by the given {@link Leaves}), then one engine op per operation, in float64. Each operation's
 * argument is checked against its domain first ({@link ExpressionDomainException}), and its result
 * must be finite.
 *
 * <p>{@code ^} with an exponent that contains no variable becomes {@code Ops.pow(base, number)}, so
 * {@code x^2} works for negative x; with a variable in the exponent it is {@code Ops.pow(base, exponent)}.
 */
public final class Evaluator {
    private Evaluator() {
    }

    /**
     * The graph of {@code expression} at the given variable values.
     *
     * @throws IllegalArgumentException if a variable of the expression has no value
     * @throws ExpressionDomainException if an operation is applied outside its domain or a value is not finite
     */
    public static Evaluation evaluate(Expression expression, Map<String, Double> values, Leaves leaves) {
        List<String> missing = expression.unbound(values);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no value for variable" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing) + " of expression '" + expression.source() + "'");
        }
        Builder builder = new Builder(values, leaves);
        Node output = PostOrder.fold(expression.root(), builder);
        return new Evaluation(output.tensor(), builder.variables, builder.steps);
    }

    /** A built subexpression: its tensor, and whether any variable occurs in it. */
    private record Node(Tensor tensor, boolean hasVariable) {
        double value() {
            return tensor.item();
        }
    }

    /** The visitor that applies one op per node, remembering leaves and steps. */
    private static final class Builder implements ExprVisitor<Node> {
        private final Map<String, Double> values;
        private final Leaves leaves;
        private final Map<String, Tensor> variables = new LinkedHashMap<>();
        private final List<Evaluation.Step> steps = new ArrayList<>();

        Builder(Map<String, Double> values, Leaves leaves) {
            this.values = values;
            this.leaves = leaves;
        }

        @Override
        public Node constant(Expr.Constant node) {
            return new Node(leaves.constant(node.value(), node.text()), false);
        }

        @Override
        public Node variable(Expr.Variable node) {
            Tensor leaf = variables.get(node.name());
            if (leaf == null) {
                double value = values.get(node.name());
                Domain.requireFinite("the value of " + node.name(), value);
                leaf = leaves.variable(node.name(), value);
                variables.put(node.name(), leaf);
            }
            return new Node(leaf, true);
        }

        @Override
        public Node negate(Expr.Negate node, Node operand) {
            return step(Ops.neg(operand.tensor()), Domain.call("-", operand.value()), operand.hasVariable());
        }

        @Override
        public Node call(Expr.Call node, Node argument) {
            MathFunction function = node.function();
            Domain.checkFunction(function, argument.value());
            return step(function.apply(argument.tensor()), Domain.call(function.symbol(), argument.value()),
                    argument.hasVariable());
        }

        @Override
        public Node binary(Expr.Binary node, Node left, Node right) {
            Tensor a = left.tensor();
            Tensor b = right.tensor();
            double x = left.value();
            double y = right.value();
            Tensor out = switch (node.operator()) {
                case ADD -> Ops.add(a, b);
                case SUBTRACT -> Ops.sub(a, b);
                case MULTIPLY -> Ops.mul(a, b);
                case DIVIDE -> {
                    Domain.checkDivision(x, y);
                    yield Ops.div(a, b);
                }
                case POWER -> {
                    Domain.checkPower(x, y);
                    yield right.hasVariable() ? Ops.pow(a, b) : Ops.pow(a, y).named("^" + y);
                }
            };
            return step(out, Domain.infix(x, node.operator().symbol(), y), left.hasVariable() || right.hasVariable());
        }

        private Node step(Tensor out, String description, boolean hasVariable) {
            Domain.requireFinite(description, out.item());
            steps.add(new Evaluation.Step(out, description));
            return new Node(out, hasVariable);
        }
    }
}
