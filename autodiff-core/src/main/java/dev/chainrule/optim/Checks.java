package dev.chainrule.optim;

/** Precondition checks with uniform messages: {@code "name : value (expected: ...)"}. */
final class Checks {
    private Checks() {
    }

    /** Returns {@code value} when it is finite and at least 0. */
    static double nonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " : " + value + " (expected: finite and >= 0)");
        }
        return value;
    }

    /** Returns {@code value} when it is finite and greater than 0. */
    static float positive(String name, float value) {
        if (!(value > 0) || Float.isInfinite(value)) {
            throw new IllegalArgumentException(name + " : " + value + " (expected: finite and > 0)");
        }
        return value;
    }

    /** Returns {@code value} when it lies in {@code [0, 1)}. */
    static double unitInterval(String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(name + " : " + value + " (expected: 0 <= " + name + " < 1)");
        }
        return value;
    }

    /** Returns {@code value} when it is at least {@code min}. */
    static long atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " : " + value + " (expected: >= " + min + ")");
        }
        return value;
    }

    /** Fails naming the kinds that are accepted. */
    static IllegalArgumentException unknownKind(String what, String kind, Iterable<String> valid) {
        return new IllegalArgumentException("unknown " + what + " kind " + (kind == null ? "null" : "'" + kind + "'")
                + " (expected one of: " + String.join(", ", valid) + ")");
    }
}
