package dev.chainrule.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses the variable values given with {@code --at}: NAME=VALUE pairs, where NAME is a variable
 * name and VALUE a decimal number ({@code -1}, {@code 2.5}, {@code .5}, {@code 3e-4}).
 */
final class Bindings {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private Bindings() {
    }

    /** The values by name, in the order given; each pair is one NAME=VALUE (commas already split off). */
    static Map<String, Double> parse(List<String> pairs) throws InputException {
        Map<String, Double> values = new LinkedHashMap<>();
        for (String pair : pairs) {
            int equals = pair.indexOf('=');
            if (equals < 0) {
                throw new InputException("--at '" + pair + "' is not NAME=VALUE (e.g. --at x1=2,x2=-1)");
            }
            String name = pair.substring(0, equals).strip();
            String text = pair.substring(equals + 1).strip();
            if (!NAME.matcher(name).matches()) {
                throw new InputException("--at '" + pair + "': '" + name + "' is not a variable name"
                        + " (letters, digits and _, not starting with a digit)");
            }
            if (!DECIMAL.matcher(text).matches()) {
                throw new InputException("--at '" + pair + "': '" + text + "' is not a decimal number"
                        + " (e.g. 2, -1.5, .5, 3e-4)");
            }
            double value = Double.parseDouble(text);
            if (Double.isInfinite(value)) {
                throw new InputException("--at '" + pair + "': " + text + " is too large for float64");
            }
            Double previous = values.put(name, value);
            if (previous != null) {
                throw new InputException("--at gives " + name + " twice (" + previous + " and " + value + ")");
            }
        }
        return values;
    }
}
