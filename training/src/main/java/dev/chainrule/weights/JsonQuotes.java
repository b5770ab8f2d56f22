package dev.chainrule.weights;

import dev.chainrule.data.Excerpt;
import tools.jackson.core.io.JsonStringEncoder;

/** Names and strings of a header as JSON string literals, for error messages. */
final class JsonQuotes {
    private JsonQuotes() {
    }

    /** {@code s}, or its beginning if it is long ({@link Excerpt}), as a JSON string literal. */
    static String quoteExcerpt(String s) {
        return quote(Excerpt.of(s));
    }

    /** {@code s} as a JSON string literal. */
    static String quote(String s) {
        StringBuilder quoted = new StringBuilder(s.length() + 2).append('"');
        JsonStringEncoder.getInstance().quoteAsString(s, quoted);
        return quoted.append('"').toString();
    }
}
