package dev.chainrule.autodiff.expression;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The value of an expression at a point and its partial derivative with respect to each variable.
 *
 * @param value f at the point
 * @param partials ∂f/∂name for each variable, in order of first appearance in the expression
 */
public record Gradient(double value, Map<String, Double> partials) {

    /** Copies the partials, keeping their order. */
    public Gradient {
        partials = Collections.unmodifiableMap(new LinkedHashMap<>(partials));
    }
}
