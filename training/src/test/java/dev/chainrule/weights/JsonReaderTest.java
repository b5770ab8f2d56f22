package dev.chainrule.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The header's JSON parser and writer. */
class JsonReaderTest {
    @Test
    void parsesEveryKindOfValue() {
        Object v = JsonReader.parse(" {\"s\":\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\", \"n\":[0,-12,3.5,1e3,-0.0],"
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
        assertEquals(new BigInteger("18446744073709551616"), JsonReader.parse("18446744073709551616"));
    }

    @Test
    void rejectsWhatRfc8259Rejects() {
        for (String bad : Arrays.asList("", "{", "{\"a\"}", "{\"a\":1,}", "[1,]", "[01]", "[1.]", "[.5]", "[+1]", "[1e]",
                "\"a", "\"\\x\"", "\"\\u12g4\"", "\"tab\tinside\"", "{'a':1}", "{a:1}", "tru", "nul", "[1] [2]", "NaN")) {
            assertThrows(JsonReader.SyntaxError.class, () -> JsonReader.parse(bad), bad);
        }
    }

    @Test
    void errorsGiveThePosition() {
        JsonReader.SyntaxError e = assertThrows(JsonReader.SyntaxError.class, () -> JsonReader.parse("{\"a\":1,\"a\":2}"));
        assertEquals(7, e.position());
        assertEquals("duplicate key \"a\"", e.getMessage());
        e = assertThrows(JsonReader.SyntaxError.class, () -> JsonReader.parse("[1, 2 3]"));
        assertEquals(6, e.position());
        assertEquals("expected ',' or ']' but found '3'", e.getMessage());
    }

    @Test
    void writerIsCompactAndEscapesLikeSerdeJson() {
        String json = new JsonWriter().beginObject()
                .key("k").value("q\"b\\s/\u0000\u001f\u007fé\n")
                .key("o").beginObject().key("x").value(new long[] {1, 2}).endObject()
                .key("e").value(new long[0])
                .endObject().toString();
        assertEquals("{\"k\":\"q\\\"b\\\\s/\\u0000\\u001f\u007fé\\n\",\"o\":{\"x\":[1,2]},\"e\":[]}", json);
        assertEquals(Map.of("k", "q\"b\\s/\u0000\u001f\u007fé\n", "o", Map.of("x", List.of(BigInteger.ONE, BigInteger.TWO)),
                "e", List.of()), JsonReader.parse(json));
    }
}
