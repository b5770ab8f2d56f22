package dev.chainrule.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations written like {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, or a plain number of seconds. */
final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        Matcher m = FORMAT.matcher(value.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a duration (e.g. 500ms, 30s, 2m, 1h)");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = amount * switch (unit) {
            case "ms" -> 1;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default -> 1000;
        };
        if (millis < 1) {
            throw new TypeConversionException("'" + value + "' is shorter than a millisecond");
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /** {@code duration} the way this converter reads it: {@code 500ms}, {@code 1.5s}, {@code 60s}. */
    static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis < 1000 ? millis + "ms" : millis % 1000 == 0 ? millis / 1000 + "s" : millis / 1000.0 + "s";
    }
}
