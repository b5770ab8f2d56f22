package dev.chainrule.weights;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips, determinism, layout and atomic writing of {@link SafetensorsFile}. */
class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** Edge values whose bits must survive: signed zeros, subnormals, extremes, infinities, NaNs with payloads. */
    private static final float[] EDGE_VALUES = {
        0.0f, -0.0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL / 3, Float.intBitsToFloat(0x007f_ffff),
        Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0x7fc1_2345), Float.intBitsToFloat(0xffc0_0001), 1.0f / 3, -2.5e-30f, 12345.678f,
    };

    private static LinkedHashMap<String, Tensor> sample() {
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("fc1.bias", Tensor.of(new float[] {0.5f, -0.0f, Float.MIN_VALUE}, 3));
        tensors.put("fc1.weight", Tensor.of(EDGE_VALUES, 4, 4));
        tensors.put("fc2.bias", Tensor.of(new float[] {1e-40f}, 1));
        tensors.put("fc2.weight", Tensor.randn(DType.FLOAT32, 7, 1, 4));
        tensors.put("scale", Tensor.of(new float[] {2.0f}));
        tensors.put("unused", Tensor.zeros(DType.FLOAT32, 0, 3));
        return tensors;
    }

    private static float[] values(Tensor t) {
        return ((Storage.Float32) t.storage()).toArray();
    }

    private static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "names and order");
        for (String name : expected.keySet()) {
            Tensor e = expected.get(name);
            Tensor a = actual.get(name);
            assertEquals(e.shape(), a.shape(), name);
            assertEquals(DType.FLOAT32, a.dtype(), name);
            float[] ev = values(e);
            float[] av = values(a);
            assertEquals(ev.length, av.length, name);
            for (int i = 0; i < ev.length; i++) {
                assertEquals(Float.floatToRawIntBits(ev[i]), Float.floatToRawIntBits(av[i]),
                        name + "[" + i + "]: " + ev[i] + " vs " + av[i]);
            }
        }
    }

    @Test
    void roundTripKeepsNamesOrderShapesAndExactBits() throws IOException {
        Path file = dir.resolve("w.safetensors");
        LinkedHashMap<String, Tensor> tensors = sample();
        SafetensorsFile.write(file, tensors, Map.of("format", "pt", "step", "12"));

        assertSameTensors(tensors, SafetensorsFile.read(file));
        SafetensorsHeader header = SafetensorsFile.readHeader(file);
        assertEquals(Map.of("format", "pt", "step", "12"), header.metadata());
        assertEquals(List.of("format", "step"), List.copyOf(header.metadata().keySet()), "metadata sorted by key");
        assertEquals(Shape.of(0, 3), header.tensors().get("unused").shape());
        assertEquals(Shape.scalar(), header.tensors().get("scale").shape());
    }

    @Test
    void tensorsAreStoredAndReadBackSortedByName() throws IOException {
        LinkedHashMap<String, Tensor> shuffled = new LinkedHashMap<>();
        shuffled.put("fc2.weight", Tensor.of(new float[] {1, 2}, 1, 2));
        shuffled.put("fc10.weight", Tensor.of(new float[] {3}, 1, 1));
        shuffled.put("fc1.weight", Tensor.of(new float[] {4}, 1, 1));
        shuffled.put("Zeta", Tensor.of(new float[] {5}, 1));
        shuffled.put("é", Tensor.of(new float[] {6}, 1));
        shuffled.put("\uD83D\uDE00", Tensor.of(new float[] {7}, 1)); // U+1F600: after U+FFFD in UTF-8 order
        shuffled.put("\uFFFD", Tensor.of(new float[] {8}, 1));

        LinkedHashMap<String, Tensor> read = SafetensorsFile.fromBytes(SafetensorsFile.toBytes(shuffled, null), "mem");

        assertEquals(List.of("Zeta", "fc1.weight", "fc10.weight", "fc2.weight", "é", "\uFFFD", "\uD83D\uDE00"),
                List.copyOf(read.keySet()));
        List<TensorEntry> entries = List.copyOf(SafetensorsFile.headerFromBytes(SafetensorsFile.toBytes(shuffled, null), "mem")
                .tensors().values());
        for (int i = 1; i < entries.size(); i++) {
            assertEquals(entries.get(i - 1).end(), entries.get(i).begin(), "packed in name order");
        }
        assertEquals(7.0f, read.get("\uD83D\uDE00").getFlat(0));
    }

    @Test
    void writingIsDeterministicWhateverTheMapOrder() throws IOException {
        LinkedHashMap<String, Tensor> forward = sample();
        LinkedHashMap<String, Tensor> backward = new LinkedHashMap<>();
        List<String> names = List.copyOf(forward.keySet());
        for (int i = names.size() - 1; i >= 0; i--) {
            backward.put(names.get(i), forward.get(names.get(i)));
        }
        LinkedHashMap<String, String> meta1 = new LinkedHashMap<>();
        meta1.put("b", "2");
        meta1.put("a", "1");
        Map<String, String> meta2 = Map.of("a", "1", "b", "2");

        Path first = dir.resolve("first.safetensors");
        Path second = dir.resolve("second.safetensors");
        SafetensorsFile.write(first, forward, meta1);
        SafetensorsFile.write(second, backward, meta2);

        byte[] bytes = Files.readAllBytes(first);
        assertArrayEquals(bytes, Files.readAllBytes(second));
        assertArrayEquals(bytes, SafetensorsFile.toBytes(forward, meta1));
        assertArrayEquals(bytes, SafetensorsFile.toBytes(backward, meta2));
    }

    @Test
    void headerIsPaddedWithSpacesSoThatTheDataIs8ByteAligned() {
        for (int nameLength = 1; nameLength <= 16; nameLength++) {
            String name = "w".repeat(nameLength);
            byte[] bytes = SafetensorsFile.toBytes(Map.of(name, Tensor.of(new float[] {1.5f}, 1)), null);
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, n % 8, "header length for name length " + nameLength);
            assertEquals(bytes.length, 8 + n + 4);
            String header = new String(bytes, 8, (int) n, UTF_8);
            String json = "{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
            assertEquals(json + " ".repeat((int) n - json.length()), header);
            assertTrue(n - json.length() < 8);
            assertEquals(1.5f, ByteBuffer.wrap(bytes, (int) (8 + n), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());
        }
    }

    /** The byte vectors of the reference implementation's own serialisation tests (safetensors/src/tensor.rs). */
    @Test
    void matchesTheReferenceImplementationsTestVectors() {
        float[] zeroToFive = {0, 1, 2, 3, 4, 5};
        assertArrayEquals(
                RawSafetensors.file("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}",
                        RawSafetensors.floats(zeroToFive)),
                SafetensorsFile.toBytes(Map.of("attn.0", Tensor.of(zeroToFive, 1, 2, 3)), null));
        assertArrayEquals(
                RawSafetensors.file("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ",
                        RawSafetensors.floats(zeroToFive)),
                SafetensorsFile.toBytes(Map.of("attn0", Tensor.of(zeroToFive, 1, 1, 2, 3)), null));
        assertArrayEquals(RawSafetensors.file("{}      ", new byte[0]), SafetensorsFile.toBytes(Map.of(), null));
        assertArrayEquals(RawSafetensors.file("{\"__metadata__\":{\"framework\":\"pt\"}}     ", new byte[0]),
                SafetensorsFile.toBytes(Map.of(), Map.of("framework", "pt")));
    }

    @Test
    void namesAndMetadataWithCharactersThatNeedEscapingRoundTrip() {
        String name = "a\"b\\c\nd\u0001é/";
        Map<String, String> metadata = Map.of("note", "tab\there \"quoted\" \u001f");
        byte[] bytes = SafetensorsFile.toBytes(Map.of(name, Tensor.of(new float[] {1}, 1)), metadata);
        String header = new String(bytes, 8, bytes.length - 12, UTF_8);
        assertTrue(header.contains("\"a\\\"b\\\\c\\nd\\u0001é/\""), header);
        assertTrue(header.contains("\\t") && header.contains("\\u001f"), header);
        assertEquals(List.of(name), List.copyOf(SafetensorsFile.fromBytes(bytes, "mem").keySet()));
        assertEquals(metadata, SafetensorsFile.headerFromBytes(bytes, "mem").metadata());
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("w.safetensors");
        Files.writeString(file, "old content");
        SafetensorsFile.write(file, sample(), null);
        assertSameTensors(sample(), SafetensorsFile.read(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("w.safetensors");
        Files.writeString(file, "old content");
        IOException failure = assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write(new byte[100_000]);
            throw new IOException("disk full");
        }));
        assertEquals("disk full", failure.getMessage());
        assertEquals("old content", Files.readString(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void rejectsWhatItCannotWriteBeforeTouchingTheFile() {
        Path file = dir.resolve("w.safetensors");
        IllegalArgumentException f64 = assertThrows(IllegalArgumentException.class, () ->
                SafetensorsFile.write(file, Map.of("w", Tensor.of(new double[] {1}, 1)), null));
        assertEquals("tensor \"w\" is FLOAT64 (expected: FLOAT32; convert it with to(DType.FLOAT32) first)", f64.getMessage());
        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class, () ->
                SafetensorsFile.toBytes(Map.of("__metadata__", Tensor.of(new float[] {1}, 1)), null));
        assertTrue(reserved.getMessage().contains("reserved"), reserved.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void largeTensorsAreWrittenAndReadInChunks() {
        Tensor big = Tensor.uniform(DType.FLOAT32, 3, -1, 1, 300, 257); // 77,100 floats: several 64 KiB chunks
        byte[] bytes = SafetensorsFile.toBytes(Map.of("big", big), null);
        assertSameTensors(Map.of("big", big), SafetensorsFile.fromBytes(bytes, "mem"));
    }
}
