package dev.chainrule.weights;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;

/** The header's JSON: what the parser makes of a document and what it refuses, and how the generator escapes. */
class HeaderJsonTest {
    private static Object parse(String json) {
        return HeaderJson.parse(json.getBytes(UTF_8));
    }

    @Test
    void parsesEveryKindOfValue() {
        Object v = parse(" {\"s\":\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\", \"n\":[0,-12,3.5,1e3,-0.0],"
                + " \"t\":true, \"f\":false, \"z\":null, \"o\":{}, \"a\":[]} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("s", "n", "t", "f", "z", "o", "a"), List.copyOf(m.keySet()), "document order");
        assertEquals("a\"\\/\b\f\n\r\té\uD83D\uDE00", m.get("s"));
        assertEquals(List.of(BigInteger.ZERO, BigInteger.valueOf(-12), new BigDecimal("3.5"), new BigDecimal("1e3"),
                new BigDecimal("-0.0")), m.get("n"));
        assertEquals(Boolean.TRUE, m.get("t"));
        assertEquals(Boolean.FALSE, m.get("f"));
        assertEquals(null, m.get("z"));
        assertEquals(Map.of(), m.get("o"));
        assertEquals(List.of(), m.get("a"));
        assertEquals(new BigInteger("18446744073709551616"), parse("18446744073709551616"));
    }

    @Test
    void rejectsWhatRfc8259Rejects() {
        for (String bad : Arrays.asList("", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "[01]", "[1.]", "[.5]", "[+1]", "[1e]",
                "\"a", "\"\\x\"", "\"\\u12g4\"", "\"tab\tinside\"", "{'a':1}", "{a:1}", "tru", "nul", "[1] [2]", "NaN",
                "// c\n1", "[1,,2]")) {
            assertThrows(HeaderJson.SyntaxError.class, () -> parse(bad), bad);
        }
    }

    @Test
    void errorsGiveTheByteOffsetAndWhatWasExpected() {
        HeaderJson.SyntaxError e = assertThrows(HeaderJson.SyntaxError.class, () -> parse("{\"a\":1,\"a\":2}"));
        assertEquals(7, e.position());
        assertEquals("duplicate key \"a\"", e.getMessage());
        e = assertThrows(HeaderJson.SyntaxError.class, () -> parse("[1, 2 3]"));
        assertEquals(6, e.position());
        assertEquals("expected ',' or ']' but found '3'", e.getMessage());
        e = assertThrows(HeaderJson.SyntaxError.class, () -> parse("{\"é\" 1}"));
        assertEquals(6, e.position(), "bytes, not characters");
        assertEquals("expected ':' but found '1'", e.getMessage());
        e = assertThrows(HeaderJson.SyntaxError.class, () -> parse("{\"a\":1,}"));
        assertEquals("expected a string key but found '}'", e.getMessage());
        e = assertThrows(HeaderJson.SyntaxError.class, () -> parse("[1] [2]"));
        assertEquals(4, e.position());
        assertEquals("expected end of JSON but found '['", e.getMessage());
        e = assertThrows(HeaderJson.SyntaxError.class, () -> parse("[[1,2"));
        assertEquals("unexpected end of text inside an array", e.getMessage());
        e = assertThrows(HeaderJson.SyntaxError.class, () -> HeaderJson.parseMembers("[]".getBytes(UTF_8), 1, (k, v) -> { }));
        assertEquals("expected an object but found '['", e.getMessage());
    }

    @Test
    void limitsAreCheckedWhileParsing() {
        HeaderJson.SyntaxError e = assertThrows(HeaderJson.SyntaxError.class, () -> parse("[-" + "1".repeat(79) + "]"));
        assertEquals("a number of 80 characters (expected: at most 64)", e.getMessage());
        assertEquals(1, e.position());
        parse("[".repeat(64) + "]".repeat(64));
        e = assertThrows(HeaderJson.SyntaxError.class, () -> parse("[".repeat(65) + "]".repeat(65)));
        assertEquals("nesting deeper than 64 levels", e.getMessage());
        e = assertThrows(HeaderJson.SyntaxError.class, () -> HeaderJson.parseMembers("{\"a\":1,\"b\":2}".getBytes(UTF_8), 1, (k, v) -> { }));
        assertEquals("an object of more than 1 members", e.getMessage());
    }

    @Test
    void generatorIsCompactAndEscapesLikeSerdeJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = HeaderJson.generator(out)) {
            json.writeStartObject();
            json.writeStringProperty("k", "q\"b\\s/\u0000\u001f\u007fé\n\u2028");
            json.writeObjectPropertyStart("o");
            json.writeName("x").writeArray(new long[] {1, 2}, 0, 2);
            json.writeEndObject();
            json.writeName("e").writeArray(new int[0], 0, 0);
            json.writeEndObject();
        }
        String json = out.toString(UTF_8);
        assertEquals("{\"k\":\"q\\\"b\\\\s/\\u0000\\u001f\u007fé\\n\u2028\",\"o\":{\"x\":[1,2]},\"e\":[]}", json);
        assertEquals(Map.of("k", "q\"b\\s/\u0000\u001f\u007fé\n\u2028", "o", Map.of("x", List.of(BigInteger.ONE, BigInteger.TWO)),
                "e", List.of()), parse(json));
    }
}
