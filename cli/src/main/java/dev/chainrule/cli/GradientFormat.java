package dev.chainrule.cli;

import dev.chainrule.autodiff.expression.Gradient;
import java.util.Map;
import java.util.StringJoiner;

/**
 * How {@code grad} prints a value and its partials: plain lines, or one JSON object on one line.
 * Numbers are Java's {@link Double#toString(double)} (always finite here), with −0.0 printed as 0.0.
 */
enum GradientFormat {
    /** {@code f = V}, then {@code ∂f/∂NAME = G} per variable. */
    PLAIN {
        @Override
        String render(Gradient gradient) {
            StringJoiner lines = new StringJoiner(System.lineSeparator());
            lines.add("f = " + number(gradient.value()));
            for (Map.Entry<String, Double> partial : gradient.partials().entrySet()) {
                lines.add("∂f/∂" + partial.getKey() + " = " + number(partial.getValue()));
            }
            return lines.toString();
        }
    },
    /** {@code {"value": V, "gradient": {"NAME": G, ...}}}. */
    JSON {
        @Override
        String render(Gradient gradient) {
            StringJoiner partials = new StringJoiner(", ", "{", "}");
            for (Map.Entry<String, Double> partial : gradient.partials().entrySet()) {
                partials.add(quote(partial.getKey()) + ": " + number(partial.getValue()));
            }
            return "{\"value\": " + number(gradient.value()) + ", \"gradient\": " + partials + "}";
        }
    };

    /** The text to print (no trailing line break). */
    abstract String render(Gradient gradient);

    private static String number(double value) {
        return Double.toString(value + 0.0); // x + 0.0 turns −0.0 into 0.0 and leaves every other value alone
    }

    /** A JSON string; variable names never need escapes, but quotes and backslashes would get them. */
    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
