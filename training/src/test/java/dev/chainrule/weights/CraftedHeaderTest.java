package dev.chainrule.weights;

import static dev.chainrule.weights.RawSafetensors.file;
import static dev.chainrule.weights.RawSafetensors.zeros;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headers crafted to cost time, memory or a huge error message are refused quickly, naming the file,
 * with messages that quote at most a short excerpt of the input.
 */
class CraftedHeaderTest {
    /** Far more than any of these takes on an idle machine (well under a second), to stay clear of a busy one. */
    private static final Duration QUICKLY = Duration.ofSeconds(10);
    /** No message here needs more; the crafted inputs are megabytes. */
    private static final int SHORT_MESSAGE = 600;

    @TempDir
    Path dir;

    private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    private WeightsFileException refused(String header, byte[] data) throws IOException {
        Path path = Files.write(dir.resolve("crafted.safetensors"), file(header, data));
        WeightsFileException e = assertTimeoutPreemptively(QUICKLY,
                () -> assertThrows(WeightsFileException.class, () -> SafetensorsFile.read(path)));
        assertTrue(e.getMessage().startsWith(path + ": "), e.getMessage());
        assertTrue(e.getMessage().length() < SHORT_MESSAGE, () -> e.getMessage().length() + " characters: "
                + e.getMessage().substring(0, SHORT_MESSAGE));
        return e;
    }

    @Test
    void aNumberOfAMillionDigitsIsRefusedBeforeItIsConverted() throws IOException {
        String digits = "9".repeat(1_000_000);
        WeightsFileException e = refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + digits + "],\"data_offsets\":[0,8]}}", zeros(8));
        assertTrue(e.getMessage().contains("a number of 1000000 characters (expected: at most 64)"), e.getMessage());
    }

    @Test
    void anExponentOutOfRangeNamesTheFile() throws IOException {
        WeightsFileException e = refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1e99999999999],\"data_offsets\":[0,8]}}", zeros(8));
        assertTrue(e.getMessage().contains("the number 1e99999999999 is out of range"), e.getMessage());
    }

    @Test
    void moreTensorsThanAnyModelHasAreRefusedWhileParsing() throws IOException {
        StringBuilder header = new StringBuilder("{" + A);
        for (int i = 0; i < 200_000; i++) {
            header.append(",\"extra").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}");
        }
        WeightsFileException e = refused(header.append('}').toString(), zeros(8));
        assertTrue(e.getMessage().contains("the header lists more than 16384 tensors"), e.getMessage());
    }

    @Test
    void longNamesAndStringsAreQuotedAsAnExcerpt() throws IOException {
        String name = "n".repeat(1_000_000);
        WeightsFileException e = refused("{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", zeros(4));
        assertTrue(e.getMessage().contains("tensor \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn…(1000000 characters)\""), e.getMessage());
        e = refused("{\"__metadata__\":{\"k\":" + "[" + "1,".repeat(2000) + "1]}}", zeros(0));
        assertTrue(e.getMessage().contains("an array of more than 1024 elements"), e.getMessage());
        e = refused("{\"a\":{\"dtype\":\"" + "x".repeat(100_000) + "\",\"shape\":[2],\"data_offsets\":[0,8]}}", zeros(8));
        assertTrue(e.getMessage().contains("unknown dtype \"xxxxxxxx"), e.getMessage());
    }

    @Test
    void aShapeOfMoreThan64DimensionsIsRefused() throws IOException {
        WeightsFileException e = refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + "1,".repeat(100) + "2],\"data_offsets\":[0,8]}}",
                zeros(8));
        assertTrue(e.getMessage().contains("shape has 101 dimensions (expected: at most 64)"), e.getMessage());
    }

    @Test
    void aFileWithManyUnexpectedTensorsListsTheFirstTwentyAndCountsTheRest() throws IOException {
        StringBuilder header = new StringBuilder("{" + A);
        for (int i = 0; i < 1000; i++) {
            header.append(",\"extra").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}");
        }
        Path path = Files.write(dir.resolve("extra.safetensors"), file(header.append('}').toString(), zeros(8)));
        WeightsFileException e = assertThrows(WeightsFileException.class, () -> WeightsValidator.load(path, Map.of("a", Shape.of(2))));
        assertTrue(e.getMessage().contains("(1000 problems)") && e.getMessage().endsWith("\n  - and 980 more"), e.getMessage());
        assertTrue(e.getMessage().lines().count() == 22, e.getMessage());
        assertTrue(e.problems().size() == 1000, "all of them kept for callers");
    }

    @Test
    void aDirectoryIsNotAWeightsFile() {
        WeightsFileException e = assertThrows(WeightsFileException.class, () -> SafetensorsFile.read(dir));
        assertTrue(e.getMessage().equals(dir + ": is a directory (expected: a safetensors file)"), e.getMessage());
        assertFalse(e.getMessage().contains("IOException"));
    }
}
