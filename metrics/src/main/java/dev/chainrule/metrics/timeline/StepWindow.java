package dev.chainrule.metrics.timeline;

/** The steps a timeline records: {@code from <= step < to}. */
public record StepWindow(long from, long to) {
    /** Steps 20 to 39: after the JIT compilers' first work, short enough for a small file. */
    public static final StepWindow DEFAULT = new StepWindow(20, 40);

    /** Checks {@code 0 <= from < to}. */
    public StepWindow {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("steps " + from + ":" + to + " (expected: 0 <= FROM < TO)");
        }
    }

    /** "20:40" → steps 20 to 39. */
    public static StepWindow parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' (expected: FROM:TO, e.g. 20:40)");
        }
        try {
            return new StepWindow(Long.parseLong(text.substring(0, colon).strip()), Long.parseLong(text.substring(colon + 1).strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' (expected: FROM:TO, two whole numbers, e.g. 20:40)");
        }
    }

    /** Whether step {@code step} is recorded. */
    public boolean contains(long step) {
        return step >= from && step < to;
    }

    /** The number of steps. */
    public long steps() {
        return to - from;
    }

    @Override
    public String toString() {
        return from + ":" + to;
    }
}
