package dev.chainrule.weights;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A strict RFC 8259 JSON parser for safetensors headers: objects become {@link LinkedHashMap}s in
 * document order (a repeated key is an error), arrays {@link List}s, strings {@link String}s,
 * integers {@link BigInteger}s, other numbers {@link BigDecimal}s, {@code true}/{@code false}
 * {@link Boolean}s and {@code null} Java null. Errors give the character position in the text. A
 * number longer than {@value #MAX_NUMBER_CHARS} characters, an object of more than
 * {@value #MAX_MEMBERS} members, an array of more than {@value #MAX_ELEMENTS} elements, or nesting
 * deeper than {@value #MAX_DEPTH}, is an error, so that no input costs more than time linear in its
 * length and memory in proportion to what the caller keeps of it.
 */
final class JsonReader {
    /** Deeper nesting than this is an error rather than a stack overflow; a header needs depth 3. */
    static final int MAX_DEPTH = 64;
    /**
     * A longer number is an error before it is converted: every integer of a header fits in 20
     * characters, and converting a number of a million digits would take seconds.
     */
    static final int MAX_NUMBER_CHARS = 64;
    /** More members in one object are an error (a header's tensors are counted by {@link #parseMembers}'s own limit). */
    static final int MAX_MEMBERS = 1 << 16;
    /** More elements in one array are an error: a header's arrays are shapes and offset pairs. */
    static final int MAX_ELEMENTS = 1 << 10;

    /** Malformed JSON, at {@link #position()} (a character index into the parsed text). */
    static final class SyntaxError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int position;

        SyntaxError(int position, String problem) {
            super(problem);
            this.position = position;
        }

        int position() {
            return position;
        }
    }

    private final String text;
    private int pos;

    private JsonReader(String text) {
        this.text = text;
    }

    /** Parses {@code text}, which must hold exactly one JSON value surrounded by optional whitespace. */
    static Object parse(String text) {
        JsonReader reader = new JsonReader(text);
        reader.skipWhitespace();
        Object value = reader.value(0);
        reader.end();
        return value;
    }

    /**
     * Parses {@code text}, which must hold exactly one JSON object surrounded by optional whitespace,
     * handing each member to {@code member} as soon as its value is parsed instead of keeping them all,
     * so that a caller that converts each member into something smaller never holds the whole tree.
     * More than {@code maxMembers} members, or a repeated key, is an error.
     */
    static void parseMembers(String text, int maxMembers, BiConsumer<String, Object> member) {
        JsonReader reader = new JsonReader(text);
        reader.skipWhitespace();
        if (reader.peek() != '{') {
            throw reader.error("expected an object but found " + reader.describeNext());
        }
        reader.members(0, maxMembers, member);
        reader.end();
    }

    private void end() {
        skipWhitespace();
        if (pos < text.length()) {
            throw error("expected end of JSON but found " + describeNext());
        }
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
        if (pos >= text.length()) {
            throw error("expected a value but found end of text");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("expected a value but found " + describeNext());
            }
        };
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> members = new LinkedHashMap<>();
        members(depth, MAX_MEMBERS, members::put);
        return members;
    }

    /** The members of the object at {@code pos}, each handed to {@code sink} in order. */
    private void members(int depth, int maxMembers, BiConsumer<String, Object> sink) {
        expect('{');
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return;
        }
        Set<String> keys = new HashSet<>();
        while (true) {
            skipWhitespace();
            int keyPosition = pos;
            if (peek() != '"') {
                throw error("expected a string key but found " + describeNext());
            }
            String key = string();
            if (!keys.add(key)) {
                throw new SyntaxError(keyPosition, "duplicate key " + JsonWriter.quoteExcerpt(key));
            }
            if (keys.size() > maxMembers) {
                throw new SyntaxError(keyPosition, "an object of more than " + maxMembers + " members");
            }
            skipWhitespace();
            expect(':');
            skipWhitespace();
            sink.accept(key, value(depth + 1));
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else if (peek() == '}') {
                pos++;
                return;
            } else {
                throw error("expected ',' or '}' but found " + describeNext());
            }
        }
    }

    private List<Object> array(int depth) {
        expect('[');
        List<Object> elements = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return elements;
        }
        while (true) {
            skipWhitespace();
            if (elements.size() == MAX_ELEMENTS) {
                throw error("an array of more than " + MAX_ELEMENTS + " elements");
            }
            elements.add(value(depth + 1));
            skipWhitespace();
            if (peek() == ',') {
                pos++;
            } else if (peek() == ']') {
                pos++;
                return elements;
            } else {
                throw error("expected ',' or ']' but found " + describeNext());
            }
        }
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error("unescaped control character U+" + String.format("%04X", (int) c) + " in string");
            }
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            pos++;
            if (pos >= text.length()) {
                throw error("unterminated escape sequence");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(hex4());
                default -> {
                    pos--;
                    throw error("invalid escape '\\" + e + "'");
                }
            }
        }
    }

    private char hex4() {
        if (pos + 4 > text.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos), 16);
            if (d < 0) {
                throw error("invalid hex digit " + describeNext() + " in \\u escape");
            }
            v = v * 16 + d;
            pos++;
        }
        return (char) v;
    }

    private Object number() {
        int start = pos;
        boolean integral = true;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            digits();
        } else {
            throw error("expected a digit but found " + describeNext());
        }
        if (peek() == '.') {
            integral = false;
            pos++;
            requireDigit();
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            requireDigit();
            digits();
        }
        if (pos - start > MAX_NUMBER_CHARS) {
            throw new SyntaxError(start, "a number of " + (pos - start) + " characters (expected: at most " + MAX_NUMBER_CHARS + ")");
        }
        String literal = text.substring(start, pos);
        try {
            return integral ? new BigInteger(literal) : new BigDecimal(literal);
        } catch (NumberFormatException e) {
            throw new SyntaxError(start, "the number " + literal + " is out of range (" + e.getMessage() + ")");
        }
    }

    private void requireDigit() {
        if (!isDigit(peek())) {
            throw error("expected a digit but found " + describeNext());
        }
    }

    private void digits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error("expected a value but found " + describeNext());
        }
        pos += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "' but found " + describeNext());
        }
        pos++;
    }

    /** The next character, or -1 at the end of the text. */
    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describeNext() {
        if (pos >= text.length()) {
            return "end of text";
        }
        char c = text.charAt(pos);
        return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    private SyntaxError error(String problem) {
        return new SyntaxError(pos, problem);
    }
}
