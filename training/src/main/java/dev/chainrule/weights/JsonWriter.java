package dev.chainrule.weights;

import dev.chainrule.data.Excerpt;

/**
 * Writes compact JSON (no whitespace) the way serde_json does, which is how the reference
 * safetensors implementation writes its header: strings escape only {@code "}, {@code \} and
 * control characters ({@code \b \f \n \r \t}, others as a backslash, {@code u00} and two lower-case
 * hex digits); non-ASCII characters are written as they are. Commas are inserted automatically.
 *
 * <p>Call order: {@link #beginObject()}, then for each member {@link #key(String)} followed by one
 * value ({@link #value(String)}, {@link #value(long[])} or a nested object), then
 * {@link #endObject()}; finally {@link #toString()}.
 */
final class JsonWriter {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out = new StringBuilder();
    private boolean needsComma;

    JsonWriter beginObject() {
        out.append('{');
        needsComma = false;
        return this;
    }

    JsonWriter endObject() {
        out.append('}');
        needsComma = true;
        return this;
    }

    JsonWriter key(String key) {
        if (needsComma) {
            out.append(',');
        }
        appendQuoted(out, key);
        out.append(':');
        needsComma = false;
        return this;
    }

    JsonWriter value(String value) {
        appendQuoted(out, value);
        needsComma = true;
        return this;
    }

    JsonWriter value(long[] values) {
        out.append('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(values[i]);
        }
        out.append(']');
        needsComma = true;
        return this;
    }

    /** The JSON text written so far. */
    @Override
    public String toString() {
        return out.toString();
    }

    /** {@code s}, or its beginning if it is long ({@link Excerpt}), as a JSON string literal: for error messages. */
    static String quoteExcerpt(String s) {
        return quote(Excerpt.of(s));
    }

    /** {@code s} as a JSON string literal. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        appendQuoted(sb, s);
        return sb.toString();
    }

    private static void appendQuoted(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
