package dev.chainrule.weights;

import static dev.chainrule.weights.SafetensorsHeader.METADATA_KEY;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.chainrule.autodiff.Shape;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JsonGenerator;

/**
 * Converts between a {@link SafetensorsHeader} and the header bytes of a file: compact UTF-8 JSON,
 * {@code "__metadata__"} first (when there is any), then the tensors in the header's order, padded
 * with trailing spaces to a multiple of {@value #ALIGNMENT} bytes so that the data buffer, which
 * follows the 8-byte length prefix and the header, starts 8-byte aligned. This is byte for byte the
 * layout of the reference implementation. Decoding checks everything that can be checked without
 * the data buffer; {@link DataLayout} checks the byte ranges against the buffer.
 */
final class HeaderCodec {
    /** The header length (and so the data start, after the 8-byte prefix) is a multiple of this. */
    static final int ALIGNMENT = 8;

    private static final Set<String> FIELDS = Set.of("dtype", "shape", "data_offsets");
    private static final int CONTEXT = 24;
    private static final int UTF8_CHECK_CHARS = 1 << 14;
    /** More tensors than this in one header are an error: models have thousands at most. */
    static final int MAX_TENSORS = 1 << 14;
    /** More dimensions than this are an error: no tensor has them, and a message would list them all. */
    static final int MAX_RANK = 64;

    private HeaderCodec() {
    }

    /** The header bytes, padded with spaces to a multiple of {@value #ALIGNMENT}. */
    static byte[] encode(SafetensorsHeader header) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        try (JsonGenerator json = HeaderJson.generator(text)) {
            json.writeStartObject();
            if (!header.metadata().isEmpty()) {
                json.writeObjectPropertyStart(METADATA_KEY);
                header.metadata().forEach(json::writeStringProperty);
                json.writeEndObject();
            }
            for (TensorEntry t : header.tensors().values()) {
                int[] dims = t.shape().dims();
                json.writeObjectPropertyStart(t.name());
                json.writeStringProperty("dtype", t.dtype().name());
                json.writeName("shape").writeArray(dims, 0, dims.length);
                json.writeName("data_offsets").writeArray(new long[] {t.begin(), t.end()}, 0, 2);
                json.writeEndObject();
            }
            json.writeEndObject();
        }
        int padded = (text.size() + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        while (text.size() < padded) {
            text.write(' ');
        }
        return text.toByteArray();
    }

    /**
     * Parses and checks header bytes: strict UTF-8, well-formed JSON without repeated keys, a top
     * level object whose {@code "__metadata__"} (optional) maps strings to strings and whose other
     * members each have exactly a known {@code dtype}, a {@code shape} of non-negative integers and
     * {@code data_offsets} {@code [begin, end]} with {@code end - begin} = elements × element size.
     * Errors name {@code source}.
     */
    static SafetensorsHeader decode(byte[] bytes, String source) {
        requireUtf8(bytes, source);
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        Map<String, Map<String, String>> metadata = new LinkedHashMap<>();
        try {
            if (!startsWithObject(bytes)) {
                throw new WeightsFileException(source, "the header is " + describe(HeaderJson.parse(bytes))
                        + " (expected: a JSON object)");
            }
            HeaderJson.parseMembers(bytes, MAX_TENSORS + 1, (name, value) -> {
                if (name.equals(METADATA_KEY)) {
                    metadata.put(name, metadata(value, source));
                } else if (tensors.size() == MAX_TENSORS) {
                    throw new WeightsFileException(source, "the header lists more than " + MAX_TENSORS + " tensors (expected: at most "
                            + MAX_TENSORS + ")");
                } else {
                    tensors.put(name, tensor(name, value, source));
                }
            });
        } catch (HeaderJson.SyntaxError e) {
            int at = (int) e.position();
            String before = new String(bytes, 0, at, UTF_8);
            String after = new String(bytes, at, bytes.length - at, UTF_8);
            String near = before.substring(Math.max(0, before.length() - CONTEXT)) + after.substring(0, Math.min(after.length(), CONTEXT));
            throw new WeightsFileException(source, "malformed JSON header at byte " + at + " of the header (byte "
                    + (SafetensorsReader.PREFIX_BYTES + at) + " of the file): " + e.getMessage()
                    + ", near " + JsonQuotes.quote(near));
        }
        return new SafetensorsHeader(tensors, metadata.getOrDefault(METADATA_KEY, Map.of()));
    }

    /** Whether the first byte that is not JSON whitespace opens an object. */
    private static boolean startsWithObject(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b == '{';
            }
        }
        return false;
    }

    private static void requireUtf8(byte[] bytes, String source) {
        CharsetDecoder decoder = UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(UTF8_CHECK_CHARS); // checked in pieces: no second copy of a large header
        CoderResult result;
        do {
            result = decoder.decode(in, out.clear(), true);
        } while (result.isOverflow());
        if (!result.isError()) {
            result = decoder.flush(out.clear());
        }
        if (result.isError()) {
            throw new WeightsFileException(source, "the header is not valid UTF-8 at byte " + in.position()
                    + " of the header (byte " + (SafetensorsReader.PREFIX_BYTES + in.position()) + " of the file)");
        }
    }

    private static Map<String, String> metadata(Object value, String source) {
        if (!(value instanceof Map<?, ?> members)) {
            throw new WeightsFileException(source, JsonQuotes.quote(METADATA_KEY) + " is " + describe(value)
                    + " (expected: an object of strings)");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> member : members.entrySet()) {
            String key = (String) member.getKey();
            if (!(member.getValue() instanceof String s)) {
                throw new WeightsFileException(source, JsonQuotes.quote(METADATA_KEY) + ": " + JsonQuotes.quoteExcerpt(key)
                        + " is " + describe(member.getValue()) + " (expected: a string)");
            }
            metadata.put(key, s);
        }
        return metadata;
    }

    private static TensorEntry tensor(String name, Object value, String source) {
        String what = "tensor " + JsonQuotes.quoteExcerpt(name);
        if (!(value instanceof Map<?, ?> fields)) {
            throw new WeightsFileException(source, what + " is " + describe(value)
                    + " (expected: an object with dtype, shape and data_offsets)");
        }
        for (Object key : fields.keySet()) {
            if (!FIELDS.contains(key)) {
                throw new WeightsFileException(source, what + " has the unexpected key " + JsonQuotes.quoteExcerpt((String) key)
                        + " (expected: dtype, shape, data_offsets)");
            }
        }
        Object dtypeName = field(fields, "dtype", what, source);
        if (!(dtypeName instanceof String s)) {
            throw new WeightsFileException(source, what + ": dtype is " + describe(dtypeName) + " (expected: a string)");
        }
        SafetensorsDType dtype = SafetensorsDType.fromName(s).orElseThrow(() -> new WeightsFileException(source,
                what + ": unknown dtype " + JsonQuotes.quoteExcerpt(s) + " (safetensors dtypes: "
                        + Arrays.toString(SafetensorsDType.values()) + ")"));
        long[] dims = integers(fields, "shape", Integer.MAX_VALUE, what, source);
        if (dims.length > MAX_RANK) {
            throw new WeightsFileException(source, what + ": shape has " + dims.length + " dimensions (expected: at most " + MAX_RANK + ")");
        }
        long[] offsets = integers(fields, "data_offsets", Long.MAX_VALUE, what, source);
        if (offsets.length != 2 || offsets[0] > offsets[1]) {
            throw new WeightsFileException(source, what + ": data_offsets " + Arrays.toString(offsets)
                    + " (expected: [begin, end] with begin <= end)");
        }
        Shape shape;
        try {
            shape = Shape.of(Arrays.stream(dims).mapToInt(d -> (int) d).toArray());
        } catch (IllegalArgumentException e) {
            throw new WeightsFileException(source, what + ": " + e.getMessage());
        }
        long expected = TensorEntry.byteLength(dtype, shape);
        if (offsets[1] - offsets[0] != expected) {
            throw new WeightsFileException(source, what + ": shape " + shape + " of " + dtype + " needs " + expected
                    + " bytes but data_offsets " + Arrays.toString(offsets) + " cover " + (offsets[1] - offsets[0]));
        }
        return new TensorEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static Object field(Map<?, ?> fields, String key, String what, String source) {
        if (!fields.containsKey(key)) {
            throw new WeightsFileException(source, what + " has no " + key + " (expected: dtype, shape, data_offsets)");
        }
        return fields.get(key);
    }

    /** The array {@code key} of integers in {@code [0, max]}. */
    private static long[] integers(Map<?, ?> fields, String key, long max, String what, String source) {
        Object value = field(fields, key, what, source);
        if (!(value instanceof List<?> elements)) {
            throw new WeightsFileException(source, what + ": " + key + " is " + describe(value)
                    + " (expected: an array of integers)");
        }
        long[] out = new long[elements.size()];
        for (int i = 0; i < out.length; i++) {
            Object e = elements.get(i);
            if (!(e instanceof BigInteger n) || n.signum() < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
                throw new WeightsFileException(source, what + ": " + key + "[" + i + "] is " + describe(e)
                        + " (expected: an integer in [0, " + max + "])");
            }
            out[i] = n.longValueExact();
        }
        return out;
    }

    /** A JSON value as a phrase for messages. */
    private static String describe(Object value) {
        if (value == null) {
            return "null";
        } else if (value instanceof String s) {
            return "the string " + JsonQuotes.quoteExcerpt(s);
        } else if (value instanceof BigInteger || value instanceof BigDecimal) {
            return "the number " + value;
        } else if (value instanceof Boolean) {
            return value.toString();
        } else if (value instanceof List<?> list) {
            return "an array of " + list.size() + " elements";
        } else {
            return "an object";
        }
    }
}
