package dev.chainrule.wire;

import java.time.Duration;
import java.util.Locale;

/** Durations as people read them in messages: "30 s", "1.5 s", "250 ms". */
public final class Durations {
    private Durations() {
    }

    /** {@code d} as "30 s", "1.5 s" or "250 ms". */
    public static String describe(Duration d) {
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + " s";
        }
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
