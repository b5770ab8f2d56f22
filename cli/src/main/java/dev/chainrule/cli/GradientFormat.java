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
            lines.add("f = " + unsigned(gradient.value()));
            for (Map.Entry<String, Double> partial : gradient.partials().entrySet()) {
                lines.add("∂f/∂" + partial.getKey() + " = " + unsigned(partial.getValue()));
            }
            return lines.toString();
        }
    },
    /** {@code {"value": V, "gradient": {"NAME": G, ...}}}. */
    JSON {
        @Override
        String render(Gradient gradient) {
            return OneLineJson.write(json -> {
                json.writeStartObject();
                json.writeNumberProperty("value", unsigned(gradient.value()));
                json.writeObjectPropertyStart("gradient");
                gradient.partials().forEach((name, partial) -> json.writeNumberProperty(name, unsigned(partial)));
                json.writeEndObject();
                json.writeEndObject();
            });
        }
    };

    /** The text to print (no trailing line break). */
    abstract String render(Gradient gradient);

    /** {@code value}, but 0.0 for −0.0: x + 0.0 turns −0.0 into 0.0 and leaves every other value alone. */
    private static double unsigned(double value) {
        return value + 0.0;
    }
}
