package dev.chainrule.weights;

import static dev.chainrule.weights.RawSafetensors.file;
import static dev.chainrule.weights.RawSafetensors.floats;
import static dev.chainrule.weights.RawSafetensors.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a file can be malformed gives a {@link WeightsFileException} whose message starts with
 * the file's path and states the problem.
 */
class SafetensorsValidationTest {
    @TempDir
    Path dir;

    private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    private static Arguments reject(String what, byte[] content, String expectedProblem) {
        return Arguments.of(what, content, expectedProblem);
    }

    private static Arguments reject(String what, String header, byte[] data, String expectedProblem) {
        return reject(what, file(header, data), expectedProblem);
    }

    static Stream<Arguments> malformedFiles() {
        return Stream.of(
                reject("shorter than the length prefix", new byte[] {1, 0, 0}, "the file has 3 bytes, too few for the 8-byte header length"),
                reject("absurd header length", file(200_000_000L, new byte[0], zeros(16)),
                        "the header length is 200000000 bytes, more than the limit of 16777216"),
                reject("header length with the top bit set", file(-1L, new byte[0], zeros(16)),
                        "the header length is 18446744073709551615 bytes, more than the limit of 16777216"),
                reject("header length beyond the file", file(64, "{}".getBytes(StandardCharsets.UTF_8), zeros(6)),
                        "the header length is 64 bytes but only 8 bytes follow the 8-byte length (the file has 16 bytes)"),
                reject("header not UTF-8", file(4, new byte[] {'{', (byte) 0xff, '}', ' '}, new byte[0]),
                        "the header is not valid UTF-8 at byte 1 of the header (byte 9 of the file)"),
                reject("malformed JSON", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2] \"data_offsets\":[0,8]}}", zeros(8),
                        "malformed JSON header at byte 32 of the header (byte 40 of the file): expected ',' or '}' but found '\"'"),
                reject("malformed JSON after a multi-byte character", "{\"é\":x}", zeros(0),
                        "malformed JSON header at byte 6 of the header (byte 14 of the file): expected a value but found 'x'"),
                reject("empty header", "", zeros(0), "malformed JSON header at byte 0 of the header (byte 8 of the file): expected a value but found end of text"),
                reject("trailing garbage after the JSON", "{}x", zeros(0), "expected end of JSON but found 'x'"),
                reject("header not an object", "[1,2]", zeros(0), "the header is an array of 2 elements (expected: a JSON object)"),
                reject("duplicate names", "{" + A + "," + A + "}", zeros(8),
                        "malformed JSON header at byte 54 of the header (byte 62 of the file): duplicate key \"a\""),
                reject("unknown dtype", "{\"a\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}", zeros(8),
                        "tensor \"a\": unknown dtype \"F31\" (safetensors dtypes: [BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64])"),
                reject("dtype not a string", "{\"a\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", zeros(8),
                        "tensor \"a\": dtype is the number 32 (expected: a string)"),
                reject("shape does not match the byte range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", zeros(8),
                        "tensor \"a\": shape [3] of F32 needs 12 bytes but data_offsets [0, 8] cover 8"),
                reject("negative dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", zeros(8),
                        "tensor \"a\": shape[0] is the number -2 (expected: an integer in [0, 2147483647])"),
                reject("fractional offset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}", zeros(8),
                        "tensor \"a\": data_offsets[1] is the number 8.0 (expected: an integer in [0, 9223372036854775807])"),
                reject("too many elements", "{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", zeros(8),
                        "tensor \"a\": shape [65536, 65536] has more than 2^31-1 elements"),
                reject("offsets reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", zeros(8),
                        "tensor \"a\": data_offsets [8, 0] (expected: [begin, end] with begin <= end)"),
                reject("three offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}", zeros(8),
                        "tensor \"a\": data_offsets [0, 8, 16] (expected: [begin, end] with begin <= end)"),
                reject("missing field", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", zeros(8),
                        "tensor \"a\" has no shape (expected: dtype, shape, data_offsets)"),
                reject("unexpected field", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"strides\":[1]}}", zeros(8),
                        "tensor \"a\" has the unexpected key \"strides\" (expected: dtype, shape, data_offsets)"),
                reject("tensor entry not an object", "{\"a\":[1]}", zeros(0),
                        "tensor \"a\" is an array of 1 elements (expected: an object with dtype, shape and data_offsets)"),
                reject("metadata value not a string", "{\"__metadata__\":{\"epoch\":3}}", zeros(0),
                        "\"__metadata__\": \"epoch\" is the number 3 (expected: a string)"),
                reject("overlapping offsets", "{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", zeros(12),
                        "tensor \"b\" at bytes [4, 12) overlaps tensor \"a\" at bytes [0, 8)"),
                reject("a gap between tensors", "{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", zeros(16),
                        "bytes [8, 12) of the data buffer, before tensor \"b\" at bytes [12, 16), belong to no tensor"),
                reject("offsets beyond the data buffer", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", zeros(12),
                        "tensor \"a\" at bytes [0, 16) goes beyond the end of the data buffer, which has 12 bytes"),
                reject("bytes left over", "{" + A + "}", zeros(12),
                        "the last 4 bytes of the data buffer ([8, 12)) belong to no tensor"),
                reject("nesting too deep", "[".repeat(100), zeros(0), "nesting deeper than 64 levels"),
                reject("unsupported dtype", "{\"a\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", zeros(16),
                        "1 tensor(s) of unsupported dtype\n  - tensor \"a\" has dtype I64, which cannot be read as float32 (readable: F16, BF16, F32, F64)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFiles")
    void rejectsMalformedFilesNamingTheFile(String what, byte[] content, String expectedProblem) throws IOException {
        Path path = dir.resolve("bad.safetensors");
        Files.write(path, content);
        WeightsFileException e = assertThrows(WeightsFileException.class, () -> SafetensorsFile.read(path), what);
        assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expectedProblem), () -> "expected the message to contain\n  " + expectedProblem
                + "\nbut it is\n  " + e.getMessage());
        assertEquals(path.toString(), e.source());
    }

    @Test
    void aTruncatedFileIsReportedAsSuch() throws IOException {
        byte[] whole = SafetensorsFile.toBytes(Map.of("w", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)), null);
        Path path = dir.resolve("cut.safetensors");
        Files.write(path, Arrays.copyOf(whole, whole.length - 3));
        WeightsFileException e = assertThrows(WeightsFileException.class, () -> SafetensorsFile.read(path));
        assertEquals(path + ": tensor \"w\" at bytes [0, 16) goes beyond the end of the data buffer, which has 13 bytes"
                + " (the file has " + (whole.length - 3) + " bytes: the 8-byte length, a " + (whole.length - 24)
                + "-byte header and a 13-byte data buffer): the file is truncated or the offsets are wrong", e.getMessage());

        Files.write(path, Arrays.copyOf(whole, 20));
        WeightsFileException header = assertThrows(WeightsFileException.class, () -> SafetensorsFile.read(path));
        assertTrue(header.getMessage().contains("bytes but only 12 bytes follow the 8-byte length (the file has 20 bytes):"
                + " the file is truncated"), header.getMessage());
    }

    @Test
    void anUnsupportedDtypeStillHasAReadableHeader() throws IOException {
        Path path = dir.resolve("ints.safetensors");
        Files.write(path, file("{\"steps\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", zeros(8)));
        assertEquals(SafetensorsDType.I64, SafetensorsFile.readHeader(path).tensors().get("steps").dtype());
    }

    @Test
    void readsWhatItAccepts() {
        // padding, whitespace, escapes, any member order, a zero-size tensor sharing an offset, __metadata__ anywhere
        String header = " { \"b\" : {\"data_offsets\":[8,12], \"shape\":[1], \"dtype\":\"F32\"},\n"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
                + "\"__metadata__\":{\"k\\u00e9\":\"v\"}, " + A + " }   ";
        byte[] bytes = file(header, floats(1, 2, 3));
        var tensors = SafetensorsFile.fromBytes(bytes, "mem");
        assertEquals(java.util.List.of("b", "empty", "a"), java.util.List.copyOf(tensors.keySet()), "header order");
        assertEquals(3.0, tensors.get("b").getFlat(0));
        assertEquals(2.0, tensors.get("a").getFlat(1));
        assertEquals(Map.of("ké", "v"), SafetensorsFile.headerFromBytes(bytes, "mem").metadata());
    }
}
