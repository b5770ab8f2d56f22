package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the benchmarks' option parsers share: reading an option's value and its numbers, checking a
 * setting, and a main's exit with status 2 on a bad option. Every failure is an
 * {@link IllegalArgumentException} naming the option, what arrived and what was expected.
 */
final class OptionValues {
    private OptionValues() {
    }

    /** The options {@code parse} makes of the command line; on a bad option, prints "{@code tool}: why" and exits with 2. */
    static <T> T parseOrExit(String tool, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            System.err.println(tool + ": " + e.getMessage());
            System.exit(2);
            throw e;
        }
    }

    /** The value of option {@code name}, at {@code args[i]}. */
    static String value(String[] args, int i, String name) {
        require(i < args.length, name + ": missing value (see --help)");
        return args[i];
    }

    static int integer(String name, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + text + "' (expected: an integer)", e);
        }
    }

    /** Comma-separated integers, e.g. {@code 1,2,4}. */
    static List<Integer> integers(String name, String text) {
        List<Integer> values = new ArrayList<>();
        for (String part : text.split(",")) {
            values.add(integer(name, part));
        }
        return values;
    }

    static double number(String name, String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + text + "' (expected: a number)", e);
        }
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
