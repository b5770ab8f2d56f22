package dev.chainrule.wire;

import dev.chainrule.proto.v1.Encoding;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * One wire encoding of a float32 tensor's elements, its encoder and its decoder side by side: dense
 * float32 ({@link Float32Codec}), float16 ({@link Float16Codec}), bfloat16 ({@link BFloat16Codec}) and
 * top-k index-value pairs ({@link TopKCodec}); {@link Encoding} defines the bytes. A tensor's encoded
 * bytes are a sequence of units (an element, or a pair), little-endian.
 *
 * <p>Decoding works block by block through small arrays of the codec's own, so that each block of a
 * chunk is read from the message once into the cache, checked and written to its tensor without a
 * call per element; it never throws for a value, it reports whether all were finite. Lifecycle: per
 * tensor, {@link #start}, then {@link #decode} its units in order. A codec holds scratch state:
 * one per {@link TensorAssembler} or {@link GradientEncoder}. Not thread-safe.
 */
abstract class ElementCodec {
    /** Elements per block of the decoders' scratch arrays: 8 KiB of floats, well inside the L1 cache with their source. */
    static final int BLOCK = 2048;

    /** A new codec for {@code encoding}. */
    static ElementCodec of(Encoding encoding) {
        return switch (encoding) {
            case FLOAT16 -> new Float16Codec();
            case BFLOAT16 -> new BFloat16Codec();
            case TOP_K -> new TopKCodec();
            case ENCODING_DENSE -> new Float32Codec();
            default -> throw new IllegalArgumentException("encoding : " + encoding + " (expected: a known encoding)");
        };
    }

    /** The encoding this codec reads and writes. */
    abstract Encoding encoding();

    /** Bytes per unit: 4 for dense float32, 2 for the halves, 8 for a top-k pair. */
    abstract int unitBytes();

    /**
     * Writes the encoding of {@code values[0, n)} into {@code out} from its position on (as many units
     * as {@code out} has room for, for top-k), and leaves in {@code values} what the encoding did not
     * carry: the residual error feedback sends later (zeros for a lossless encoding).
     */
    abstract void encode(float[] values, int n, ByteBuffer out);

    /** Starts decoding tensor {@code name} of {@code size} elements, whose elements {@code into} will hold. */
    void start(String name, int size, FloatBuffer into) {
    }

    /**
     * Decodes {@code count} units from {@code source}'s position on (advancing it), the first being
     * unit {@code first} of the tensor, into {@code into}; returns false when a decoded value is NaN
     * or ±Inf (which the caller may refuse). Top-k pairs with an index out of order or range throw.
     *
     * @throws WireFormatException for a malformed unit
     */
    abstract boolean decode(ByteBuffer source, int first, int count, FloatBuffer into);

    /**
     * {@code (bits & exponent) + 2^23} for every element of {@code bits[0, n)}, or-ed: negative exactly
     * when one of the floats has an all-ones exponent (NaN or ±Inf). No branch, so the JIT vectorises it.
     */
    static int nonFiniteMask(int[] bits, int n) {
        int mask = 0;
        for (int i = 0; i < n; i++) {
            mask |= (bits[i] & 0x7f800000) + 0x00800000;
        }
        return mask;
    }

    /** {@link #nonFiniteMask} of one float. */
    static int nonFiniteMask(float value) {
        return (Float.floatToRawIntBits(value) & 0x7f800000) + 0x00800000;
    }
}
