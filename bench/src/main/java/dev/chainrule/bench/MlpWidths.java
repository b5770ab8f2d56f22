package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An MLP's layer widths as {@code chainrule --model} and {@code compare_ddp.py --model} take them,
 * {@code input-hidden...-classes}, and the size of its parameters.
 *
 * @param widths at least two widths, each at least 1
 */
record MlpWidths(List<Integer> widths) {
    /** Checks the widths. */
    MlpWidths {
        widths = List.copyOf(widths);
        OptionValues.require(widths.size() >= 2 && widths.stream().allMatch(w -> w >= 1),
                "model " + widths + " (expected: at least two widths, each >= 1)");
    }

    /** Parses {@code 784-256-128-10}. */
    static MlpWidths parse(String spec) {
        List<Integer> widths = new ArrayList<>();
        for (String part : spec.split("-", -1)) {
            widths.add(OptionValues.integer("--models", part));
        }
        return new MlpWidths(widths);
    }

    /** Weights and biases of every layer. */
    long parameters() {
        long parameters = 0;
        for (int i = 0; i + 1 < widths.size(); i++) {
            parameters += (long) widths.get(i) * widths.get(i + 1) + widths.get(i + 1);
        }
        return parameters;
    }

    /** The parameters' bytes as float32: what one full gradient or one full set of weights weighs. */
    long parameterBytes() {
        return 4 * parameters();
    }

    /** The spec, as parsed. */
    @Override
    public String toString() {
        return widths.stream().map(String::valueOf).collect(Collectors.joining("-"));
    }
}
