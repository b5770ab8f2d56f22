package dev.chainrule.bench;

import java.util.OptionalDouble;

/** Reads samples out of Prometheus' text exposition format, as {@code chainrule train --metrics-port} serves it. */
final class PrometheusText {
    private PrometheusText() {
    }

    /**
     * The value of the first sample of {@code metric} (any labels), e.g. {@code chainrule_step_seconds_count}; empty when
     * the text has none. Comment lines and metrics whose name merely starts with {@code metric} are skipped.
     */
    static OptionalDouble value(String text, String metric) {
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(metric)) {
                continue;
            }
            String rest = line.substring(metric.length());
            if (rest.startsWith("{")) {
                int close = rest.indexOf('}');
                if (close < 0) {
                    continue;
                }
                rest = rest.substring(close + 1);
            }
            if (!rest.startsWith(" ")) {
                continue; // another metric with this prefix
            }
            String[] fields = rest.trim().split("\\s+");
            try {
                return OptionalDouble.of(Double.parseDouble(fields[0]));
            } catch (NumberFormatException e) {
                return OptionalDouble.empty();
            }
        }
        return OptionalDouble.empty();
    }
}
