package dev.chainrule.weights;

import dev.chainrule.autodiff.Shape;
import java.util.Objects;

/**
 * One tensor's line in a safetensors header: its name, element type, shape, and the byte range
 * {@code [begin, end)} it occupies, relative to the start of the data buffer.
 */
public record TensorEntry(String name, SafetensorsDType dtype, Shape shape, long begin, long end) {
    /** Checks that the range is well-formed and holds exactly {@code shape.size()} elements of {@code dtype}. */
    public TensorEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("tensor " + JsonQuotes.quote(name) + ": byte range [" + begin + ", " + end
                    + ") (expected: 0 <= begin <= end)");
        }
        if (end - begin != byteLength(dtype, shape)) {
            throw new IllegalArgumentException("tensor " + JsonQuotes.quote(name) + ": byte range [" + begin + ", " + end
                    + ") does not hold shape " + shape + " of " + dtype + " (expected: " + byteLength(dtype, shape) + " bytes)");
        }
    }

    /** Number of bytes the tensor's elements take: {@code end - begin}. */
    public long byteLength() {
        return end - begin;
    }

    /** Number of bytes {@code shape.size()} elements of {@code dtype} take. */
    static long byteLength(SafetensorsDType dtype, Shape shape) {
        return (long) shape.size() * dtype.bytes();
    }
}
