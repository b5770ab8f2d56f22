package dev.chainrule.weights;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;

/**
 * The JSON of safetensors headers, read and written with Jackson's streaming parser and generator.
 *
 * <p>Reading is strict RFC 8259 (Jackson's defaults: no comments, NaN, leading zeros, single quotes
 * or trailing commas), with Jackson's read constraints set for untrusted input and a few limits of
 * its own, so that no header costs more than time linear in its length and memory in proportion to
 * what the caller keeps of it. Objects become {@link LinkedHashMap}s in document order (a repeated
 * key is an error), arrays {@link List}s, strings {@link String}s, integers
 * {@link java.math.BigInteger}s, other numbers {@link BigDecimal}s, {@code true}/{@code false}
 * {@link Boolean}s and {@code null} Java null. Every error is a {@link SyntaxError} at a byte offset
 * of the document whose message says what was expected and what was found.
 *
 * <p>Writing is compact (no whitespace) and escapes strings as serde_json does, which is how the
 * reference safetensors implementation writes its header: only {@code "}, {@code \} and control
 * characters ({@code \b \f \n \r \t}, others as a backslash, {@code u00} and two lower-case hex
 * digits); {@code /} and non-ASCII characters are written as they are.
 */
final class HeaderJson {
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

    /**
     * Strings and names may be as long as a whole header (a name of a million characters is read, and
     * refused by its checks with an excerpt); the reader refuses a longer header before parsing it.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(MAX_NUMBER_CHARS)
                    .maxStringLength((int) SafetensorsReader.MAX_HEADER_BYTES)
                    .maxNameLength((int) SafetensorsReader.MAX_HEADER_BYTES)
                    .maxDocumentLength(SafetensorsReader.MAX_HEADER_BYTES)
                    .build())
            .disable(JsonWriteFeature.ESCAPE_FORWARD_SLASHES)
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .build();

    /**
     * Jackson's words for a character where another was expected (the same in its releases for
     * years), and ours for what was expected; any other error keeps Jackson's own message.
     */
    private static final List<Map.Entry<String, String>> EXPECTED = List.of(
            Map.entry("was expecting comma to separate Object entries", "',' or '}'"),
            Map.entry("was expecting comma to separate Array entries", "',' or ']'"),
            Map.entry("was expecting a colon to separate property name and value", "':'"),
            Map.entry("was expecting double-quote to start property name", "a string key"),
            Map.entry("Unrecognized token", "a value"),
            Map.entry("expected a valid value", "a value"),
            Map.entry("expected a value", "a value"));

    /** Malformed JSON, at {@link #position()} (a byte offset into the parsed document). */
    static final class SyntaxError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long position;

        SyntaxError(long position, String problem) {
            super(problem);
            this.position = position;
        }

        long position() {
            return position;
        }
    }

    private final byte[] json;
    private final JsonParser parser;

    private HeaderJson(byte[] json, JsonParser parser) {
        this.json = json;
        this.parser = parser;
    }

    /** A generator of compact JSON escaped as described above, writing UTF-8 to {@code out}. */
    static JsonGenerator generator(OutputStream out) {
        return FACTORY.createGenerator(ObjectWriteContext.empty(), out);
    }

    /** Parses {@code json}, which must hold exactly one JSON value surrounded by optional whitespace. */
    static Object parse(byte[] json) {
        return read(json, reader -> reader.value(reader.next()));
    }

    /**
     * Parses {@code json}, which must hold exactly one JSON object surrounded by optional whitespace,
     * handing each member to {@code member} as soon as its value is parsed instead of keeping them all,
     * so that a caller that converts each member into something smaller never holds the whole tree.
     * More than {@code maxMembers} members, or a repeated key, is an error.
     */
    static void parseMembers(byte[] json, int maxMembers, BiConsumer<String, Object> member) {
        read(json, reader -> {
            if (reader.next() != JsonToken.START_OBJECT) {
                long at = reader.parser.currentTokenLocation().getByteOffset();
                throw new SyntaxError(at, "expected an object but found " + reader.describe(at));
            }
            reader.members(maxMembers, member);
            return null;
        });
    }

    private static Object read(byte[] json, Function<HeaderJson, Object> body) {
        try (JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            HeaderJson reader = new HeaderJson(json, parser);
            Object value;
            try {
                value = body.apply(reader);
            } catch (JacksonException e) {
                throw reader.translate(e);
            }
            reader.end();
            return value;
        }
    }

    private JsonToken next() {
        return parser.nextToken();
    }

    private void end() {
        long at;
        try {
            if (parser.nextToken() == null) {
                return;
            }
            at = parser.currentTokenLocation().getByteOffset();
        } catch (JacksonException e) {
            at = offset(e);
        }
        throw new SyntaxError(at, "expected end of JSON but found " + describe(at));
    }

    private Object value(JsonToken token) {
        if (token == null) {
            throw new SyntaxError(json.length, "expected a value but found end of text");
        }
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> members = new LinkedHashMap<>();
                members(MAX_MEMBERS, members::put);
                yield members;
            }
            case START_ARRAY -> array();
            case VALUE_STRING -> parser.getString();
            case VALUE_NUMBER_INT -> parser.getBigIntegerValue();
            case VALUE_NUMBER_FLOAT -> decimal();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalStateException("Jackson gave " + token + " where a value starts");
        };
    }

    /** The members of the object just started, each handed to {@code sink} in order. */
    private void members(int maxMembers, BiConsumer<String, Object> sink) {
        Set<String> keys = new HashSet<>();
        while (next() == JsonToken.PROPERTY_NAME) {
            String key = parser.currentName();
            long at = parser.currentTokenLocation().getByteOffset();
            if (!keys.add(key)) {
                throw new SyntaxError(at, "duplicate key " + JsonQuotes.quoteExcerpt(key));
            }
            if (keys.size() > maxMembers) {
                throw new SyntaxError(at, "an object of more than " + maxMembers + " members");
            }
            sink.accept(key, value(next()));
        }
    }

    private List<Object> array() {
        List<Object> elements = new ArrayList<>();
        for (JsonToken token = next(); token != JsonToken.END_ARRAY; token = next()) {
            if (elements.size() == MAX_ELEMENTS) {
                throw new SyntaxError(parser.currentTokenLocation().getByteOffset(),
                        "an array of more than " + MAX_ELEMENTS + " elements");
            }
            elements.add(value(token));
        }
        return elements;
    }

    private BigDecimal decimal() {
        String literal = parser.getString();
        try {
            return new BigDecimal(literal);
        } catch (NumberFormatException e) {
            throw new SyntaxError(parser.currentTokenLocation().getByteOffset(),
                    "the number " + literal + " is out of range (" + e.getMessage() + ")");
        }
    }

    /** Jackson's error as ours: the limits in our words, an unexpected character as "expected … but found …". */
    private SyntaxError translate(JacksonException e) {
        if (e instanceof StreamConstraintsException) {
            long start = parser.currentTokenLocation().getByteOffset(); // the value whose reading broke a limit
            int first = start < json.length ? json[(int) start] : -1;
            if (first == '[' || first == '{') {
                return new SyntaxError(start, "nesting deeper than " + MAX_DEPTH + " levels");
            } else if (first == '-' || (first >= '0' && first <= '9')) {
                return new SyntaxError(start, "a number of " + numberLength((int) start) + " characters (expected: at most "
                        + MAX_NUMBER_CHARS + ")");
            }
            return new SyntaxError(start, e.getOriginalMessage());
        }
        long at = offset(e);
        if (e instanceof UnexpectedEndOfInputException) {
            String inside = parser.streamReadContext().inArray() ? "an array"
                    : parser.streamReadContext().inObject() ? "an object" : "a value";
            return new SyntaxError(at, "unexpected end of text inside " + inside);
        }
        for (Map.Entry<String, String> expected : EXPECTED) {
            if (e.getOriginalMessage().contains(expected.getKey())) {
                return new SyntaxError(at, "expected " + expected.getValue() + " but found " + describe(at));
            }
        }
        return new SyntaxError(at, e.getOriginalMessage());
    }

    private long offset(JacksonException e) {
        return e.getLocation() != null && e.getLocation().getByteOffset() >= 0 ? e.getLocation().getByteOffset()
                : parser.currentLocation().getByteOffset();
    }

    /** The length of the number literal at {@code start}: all of it, not just as much as Jackson read. */
    private int numberLength(int start) {
        int end = start;
        while (end < json.length && "+-.0123456789eE".indexOf(json[end]) >= 0) {
            end++;
        }
        return end - start;
    }

    /** The character at byte {@code at}, as a phrase for messages. */
    private String describe(long at) {
        if (at >= json.length) {
            return "end of text";
        }
        int c = new String(json, (int) at, Math.min(4, json.length - (int) at), UTF_8).codePointAt(0);
        return c < 0x20 || c > 0x7e ? String.format("U+%04X", c) : "'" + (char) c + "'";
    }
}
