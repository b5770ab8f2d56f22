package dev.chainrule.weights;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Lays out and writes float32 tensors in the safetensors format, canonically: tensors sorted by
 * name and packed in that order from offset 0, metadata sorted by key, the header padded with spaces
 * to a multiple of 8 bytes. So the bytes depend only on the names, shapes, values and metadata, not
 * on map order, and equal what the reference implementation writes for the same float32 tensors.
 *
 * <p>Names are sorted by their UTF-8 bytes: the order of Python's {@code sorted()} and of Rust's
 * string comparison, which the reference implementation uses ({@link String#compareTo} differs from
 * it for characters beyond U+FFFF).
 */
final class SafetensorsWriter {
    /** Names and metadata keys in UTF-8 byte order. */
    static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    private static final int CHUNK_FLOATS = 1 << 14;

    private final List<Map.Entry<String, float[]>> tensors = new ArrayList<>();
    private final SafetensorsHeader header;

    /** Checks and lays out {@code tensors} (float32 only) and {@code metadata} (null or empty: none). */
    SafetensorsWriter(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(tensors, "tensors");
        tensors.forEach(SafetensorsWriter::requireWritable);
        List<String> names = new ArrayList<>(tensors.keySet());
        names.sort(UTF8_ORDER);
        LinkedHashMap<String, TensorEntry> entries = new LinkedHashMap<>();
        long offset = 0;
        for (String name : names) {
            Tensor t = tensors.get(name);
            TensorEntry entry = new TensorEntry(name, SafetensorsDType.F32, t.shape(), offset,
                    offset + TensorEntry.byteLength(SafetensorsDType.F32, t.shape()));
            entries.put(name, entry);
            this.tensors.add(Map.entry(name, ((Storage.Float32) t.storage()).toArray()));
            offset = entry.end();
        }
        this.header = new SafetensorsHeader(entries, sortedMetadata(metadata));
    }

    private static void requireWritable(String name, Tensor t) {
        if (name == null) {
            throw new IllegalArgumentException("tensor name : null (expected: a string)");
        }
        if (name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name : " + JsonQuotes.quote(name)
                    + " (expected: any name but the reserved " + SafetensorsHeader.METADATA_KEY + ")");
        }
        if (t == null) {
            throw new IllegalArgumentException("tensor " + JsonQuotes.quote(name) + " : null (expected: a tensor)");
        }
        if (t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("tensor " + JsonQuotes.quote(name) + " is " + t.dtype()
                    + " (expected: FLOAT32; convert it with to(DType.FLOAT32) first)");
        }
    }

    private static Map<String, String> sortedMetadata(Map<String, String> metadata) {
        LinkedHashMap<String, String> sorted = new LinkedHashMap<>();
        if (metadata == null) {
            return sorted;
        }
        List<String> keys = new ArrayList<>(metadata.keySet());
        for (String key : keys) {
            if (key == null || metadata.get(key) == null) {
                throw new IllegalArgumentException("metadata " + key + " = " + metadata.get(key)
                        + " (expected: non-null key and value)");
            }
        }
        keys.sort(UTF8_ORDER);
        keys.forEach(key -> sorted.put(key, metadata.get(key)));
        return sorted;
    }

    /** Writes the whole file: 8-byte little-endian header length, header, then each tensor's elements. */
    void writeTo(OutputStream out) throws IOException {
        byte[] headerBytes = HeaderCodec.encode(header);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        chunk.putLong(headerBytes.length);
        out.write(chunk.array(), 0, chunk.position());
        out.write(headerBytes);
        for (Map.Entry<String, float[]> tensor : tensors) {
            float[] values = tensor.getValue();
            for (int from = 0; from < values.length; from += CHUNK_FLOATS) {
                chunk.clear();
                int to = Math.min(values.length, from + CHUNK_FLOATS);
                for (int i = from; i < to; i++) {
                    chunk.putInt(Float.floatToRawIntBits(values[i]));
                }
                out.write(chunk.array(), 0, chunk.position());
            }
        }
    }
}
