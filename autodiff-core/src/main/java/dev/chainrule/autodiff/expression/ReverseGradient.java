package dev.chainrule.autodiff.expression;

import dev.chainrule.autodiff.Adjoints;
import dev.chainrule.autodiff.Autograd;
import dev.chainrule.autodiff.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Partial derivatives by reverse mode: one forward pass records the graph with every leaf requiring
 * a gradient, one backward pass from the output (seed 1) gives every variable's partial in its
 * {@link Tensor#grad()} and every node's adjoint in {@link #adjoints()}. A variable the backward pass
 * does not reach has partial 0.
 */
public final class ReverseGradient {
    private final Gradient gradient;
    private final Evaluation evaluation;
    private final Adjoints adjoints;

    private ReverseGradient(Gradient gradient, Evaluation evaluation, Adjoints adjoints) {
        this.gradient = gradient;
        this.evaluation = evaluation;
        this.adjoints = adjoints;
    }

    /**
     * Differentiates {@code expression} at {@code values}.
     *
     * @throws ExpressionDomainException if a value or a partial is not finite (naming the operation responsible)
     * @throws IllegalArgumentException if a variable has no value
     */
    public static ReverseGradient compute(Expression expression, Map<String, Double> values) {
        Evaluation evaluation = Evaluator.evaluate(expression, values, Leaves.recording());
        Tensor output = evaluation.output();
        Adjoints adjoints = Autograd.backward(output, Tensor.scalar(1.0), false);
        Map<String, Double> partials = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> variable : evaluation.variables().entrySet()) {
            Tensor grad = variable.getValue().grad();
            double partial = grad == null ? 0.0 : grad.item();
            if (!Double.isFinite(partial)) {
                throw ForwardGradient.explainNonFinite(expression, values, variable.getKey(), partial);
            }
            partials.put(variable.getKey(), partial);
        }
        return new ReverseGradient(new Gradient(output.item(), partials), evaluation, adjoints);
    }

    /** The value and the partials. */
    public Gradient gradient() {
        return gradient;
    }

    /** The recorded graph (its output, leaves and steps). */
    public Evaluation evaluation() {
        return evaluation;
    }

    /** The adjoint ∂f/∂node of every node of the graph, constants included. */
    public Adjoints adjoints() {
        return adjoints;
    }
}
