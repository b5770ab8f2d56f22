package dev.chainrule.weights;

import dev.chainrule.autodiff.HalfFloats;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The element types named in safetensors headers, with their sizes; F32, F64, F16 and BF16 can be
 * read (as float32), the others are recognised only so that errors can say "unsupported" rather
 * than "unknown".
 *
 * <p>Conversions to float32: F32 as is (bit for bit, NaN payloads included); BF16 exactly (its
 * bits are the top half of a float32); F16 exactly (every half-precision value, subnormals and
 * infinities included, is a float32; NaN payloads are kept); F64 rounded to the nearest float32,
 * as a Java {@code (float)} cast does (overflow gives ±infinity, tiny values flush towards zero).
 */
public enum SafetensorsDType {
    /** Boolean, one byte. */
    BOOL(1),
    /** Unsigned 8-bit integer. */
    U8(1),
    /** Signed 8-bit integer. */
    I8(1),
    /** 8-bit float, 5 exponent and 2 mantissa bits. */
    F8_E5M2(1),
    /** 8-bit float, 4 exponent and 3 mantissa bits. */
    F8_E4M3(1),
    /** Signed 16-bit integer. */
    I16(2),
    /** Unsigned 16-bit integer. */
    U16(2),
    /** IEEE 754 half precision; readable. */
    F16(2),
    /** bfloat16 (the top 16 bits of a float32); readable. */
    BF16(2),
    /** Signed 32-bit integer. */
    I32(4),
    /** Unsigned 32-bit integer. */
    U32(4),
    /** IEEE 754 single precision; readable and the only type written. */
    F32(4),
    /** IEEE 754 double precision; readable, rounded to float32. */
    F64(8),
    /** Signed 64-bit integer. */
    I64(8),
    /** Unsigned 64-bit integer. */
    U64(8);

    private final int bytes;

    SafetensorsDType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** True for the types that {@link SafetensorsFile#read} converts to float32. */
    public boolean readableAsFloat32() {
        return this == F32 || this == F64 || this == F16 || this == BF16;
    }

    /** The type written as {@code name} in a header (case-sensitive, as in the format), if it is one. */
    public static Optional<SafetensorsDType> fromName(String name) {
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The names of the readable types, for messages. */
    static String readableNames() {
        return Arrays.stream(values()).filter(SafetensorsDType::readableAsFloat32)
                .map(Enum::name).collect(Collectors.joining(", "));
    }

    /**
     * Converts {@code count} little-endian elements from {@code src} (its byte order must be little
     * endian) into {@code dst[from..from+count)}.
     */
    void decode(ByteBuffer src, float[] dst, int from, int count) {
        int end = from + count;
        switch (this) {
            case F32 -> {
                for (int i = from; i < end; i++) {
                    dst[i] = Float.intBitsToFloat(src.getInt());
                }
            }
            case F64 -> {
                for (int i = from; i < end; i++) {
                    dst[i] = (float) src.getDouble();
                }
            }
            case F16 -> {
                for (int i = from; i < end; i++) {
                    dst[i] = HalfFloats.float16BitsToFloat(src.getShort());
                }
            }
            case BF16 -> {
                for (int i = from; i < end; i++) {
                    dst[i] = HalfFloats.bfloat16BitsToFloat(src.getShort());
                }
            }
            default -> throw new IllegalStateException(name() + " is not readable as float32");
        }
    }
}
