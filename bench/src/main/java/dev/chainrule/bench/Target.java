package dev.chainrule.bench;

import java.util.Locale;

/**
 * A goal for a figure: at least or at most a limit. Its verdict is PASS, or BELOW / ABOVE when missed.
 *
 * @param limit   the bound
 * @param atLeast true for "≥ limit", false for "≤ limit"
 * @param text    how the table shows it
 */
record Target(double limit, boolean atLeast, String text) {
    /** A ratio that must reach {@code minimum}. */
    static Target ratioAtLeast(double minimum) {
        return new Target(minimum, true, String.format(Locale.ROOT, ">= %.2f", minimum));
    }

    /** A byte count that must stay within {@code maximum}. */
    static Target bytesAtMost(long maximum, String text) {
        return new Target(maximum, false, text);
    }

    /** PASS, BELOW (an at-least target missed), ABOVE (an at-most target missed) or n/a for NaN. */
    String verdict(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        if (atLeast) {
            return value >= limit ? "PASS" : "BELOW";
        }
        return value <= limit ? "PASS" : "ABOVE";
    }
}
