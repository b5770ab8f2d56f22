package dev.chainrule.weights;

import dev.chainrule.autodiff.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes named float32 tensors in the safetensors format, from files or byte arrays.
 *
 * <p>The format: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON mapping
 * each tensor name to {@code {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}}, plus
 * an optional {@code "__metadata__"} object of strings; then the data buffer, little-endian, the
 * offsets being relative to its start.
 *
 * <p>Writing is canonical and so deterministic: tensors are sorted by name (UTF-8 byte order, as in
 * the reference implementation) whatever the map's order, packed in that order, metadata sorted by
 * key and omitted when empty, the header padded with spaces so the data starts 8-byte aligned. For
 * float32 tensors the bytes equal those of the reference {@code safetensors.torch.save_file}. Only
 * float32 tensors are written; element bits are kept exactly (−0.0, subnormals, NaN payloads).
 *
 * <p>Reading checks the whole file before decoding anything and fails with a
 * {@link WeightsFileException} naming the file for: a directory, a header length beyond the file
 * or over 16 MiB, a header that is not UTF-8 or not JSON (with the byte position), more than 16,384
 * tensors, a number of more than 64 characters, a shape of more than 64 dimensions, repeated names,
 * unknown dtypes, a shape that does not match its byte range, ranges that overlap, leave gaps or run
 * past the end (a truncated file), and bytes left over. Input quoted in a message is cut short. F32, F64, F16 and BF16 are read, converted to
 * float32 as {@link SafetensorsDType} describes; other dtypes are an error. Tensors come back in
 * header order, which for files written here or by the reference implementation is name order.
 */
public final class SafetensorsFile {
    private SafetensorsFile() {
    }

    /** Every tensor in {@code file}, as float32, in header order. */
    public static LinkedHashMap<String, Tensor> read(Path file) throws IOException {
        try (FileChannel channel = open(file)) {
            return new SafetensorsReader(ByteSource.of(channel), file.toString()).tensors();
        }
    }

    /** The checked header of {@code file} (names, dtypes, shapes, offsets, metadata) without reading the elements. */
    public static SafetensorsHeader readHeader(Path file) throws IOException {
        try (FileChannel channel = open(file)) {
            return new SafetensorsReader(ByteSource.of(channel), file.toString()).header();
        }
    }

    /** Opens {@code file} for reading; a missing or unreadable file or a directory is a {@link WeightsFileException} naming it. */
    static FileChannel open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new WeightsFileException(file.toString(), "is a directory (expected: a safetensors file)");
        }
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new WeightsFileException(file.toString(), "cannot read: no such file");
        } catch (AccessDeniedException e) {
            throw new WeightsFileException(file.toString(), "cannot read: permission denied");
        }
    }

    /** Every tensor in the safetensors content {@code bytes}, as float32; errors name {@code source}. */
    public static LinkedHashMap<String, Tensor> fromBytes(byte[] bytes, String source) {
        try {
            return new SafetensorsReader(ByteSource.of(bytes), source).tensors();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: the layout was checked against the array's length
        }
    }

    /** The checked header of the safetensors content {@code bytes}; errors name {@code source}. */
    public static SafetensorsHeader headerFromBytes(byte[] bytes, String source) {
        try {
            return new SafetensorsReader(ByteSource.of(bytes), source).header();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: the prefix was checked against the array's length
        }
    }

    /**
     * Writes float32 {@code tensors} and {@code metadata} (null or empty for none) to {@code file},
     * atomically: to a temporary file in the same directory, synced, then renamed over {@code file}.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter(tensors, metadata);
        AtomicFiles.write(file, writer::writeTo);
    }

    /** The bytes {@link #write} would write. */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new SafetensorsWriter(tensors, metadata).writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
