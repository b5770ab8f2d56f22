package dev.chainrule.autodiff.expression;

import dev.chainrule.autodiff.ForwardMode;
import dev.chainrule.autodiff.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Partial derivatives by forward mode: one forward pass per variable, with that variable a dual
 * carrying tangent 1 and every other leaf plain; the output's tangent is the partial. Nothing is
 * recorded. Agrees with {@link ReverseGradient} up to rounding.
 */
public final class ForwardGradient {
    private ForwardGradient() {
    }

    /**
     * Differentiates {@code expression} at {@code values}.
     *
     * @throws ExpressionDomainException if a value or a partial is not finite (naming the operation responsible)
     * @throws IllegalArgumentException if a variable has no value
     */
    public static Gradient compute(Expression expression, Map<String, Double> values) {
        if (expression.variables().isEmpty()) {
            return new Gradient(Evaluator.evaluate(expression, values, Leaves.plain()).output().item(), Map.of());
        }
        double value = Double.NaN;
        Map<String, Double> partials = new LinkedHashMap<>();
        for (String variable : expression.variables()) {
            Evaluation evaluation = Evaluator.evaluate(expression, values, Leaves.dual(variable));
            double partial = ForwardMode.tangentOf(evaluation.output()).item();
            if (!Double.isFinite(partial)) {
                throw culprit(evaluation, variable, partial);
            }
            value = evaluation.output().item();
            partials.put(variable, partial);
        }
        return new Gradient(value, partials);
    }

    /**
     * The error for a partial ∂f/∂variable that is not finite, naming the first operation (in
     * evaluation order) whose derivative made the tangent non-finite, found by a forward pass.
     */
    static ExpressionDomainException explainNonFinite(Expression expression, Map<String, Double> values,
                                                      String variable, double partial) {
        return culprit(Evaluator.evaluate(expression, values, Leaves.dual(variable)), variable, partial);
    }

    /**
     * Steps run in evaluation order and each one's tangent is made from its inputs' tangents, so the
     * first step with a non-finite tangent is where the derivative broke (e.g. sqrt at 0).
     */
    private static ExpressionDomainException culprit(Evaluation evaluation, String variable, double partial) {
        String result = "∂f/∂" + variable + " = " + partial + " is not a finite number";
        for (Evaluation.Step step : evaluation.steps()) {
            Tensor tangent = step.output().tangent();
            if (tangent != null && !Double.isFinite(tangent.item())) {
                return new ExpressionDomainException(result + " (the derivative first becomes non-finite at "
                        + step.description() + ")");
            }
        }
        return new ExpressionDomainException(result);
    }
}
