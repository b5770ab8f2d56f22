package dev.chainrule.autodiff.expression;

import dev.chainrule.autodiff.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensor graph built for one expression: its output, its variable leaves in order of first
 * appearance in the text, and every operation in the order it was applied (for diagnostics).
 *
 * @param output the rank-0 result
 * @param variables each variable's leaf, in order of first appearance
 * @param steps each operation's output and a description of what it computed, in evaluation order
 */
public record Evaluation(Tensor output, Map<String, Tensor> variables, List<Step> steps) {

    /** Copies the collections, keeping the variables' order. */
    public Evaluation {
        variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
        steps = List.copyOf(steps);
    }

    /**
     * One applied operation.
     *
     * @param output the tensor it produced
     * @param description what it computed, with its arguments' values, e.g. {@code sqrt(0.0)} or {@code 1.0 / 2.0}
     */
    public record Step(Tensor output, String description) {
    }
}
