package dev.chainrule.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * The two 2-byte encodings' shared loops ({@link Float16Codec}, {@link BFloat16Codec}): each element
 * as the low 16 bits of a little-endian {@code short}, converted by the subclass; encoding leaves the
 * rounding error in the values.
 */
abstract class HalfCodec extends ElementCodec {
    private final short[] halves = new short[BLOCK];
    private final float[] floats = new float[BLOCK];

    /** The half nearest {@code value}. */
    abstract short toHalf(float value);

    /** The float value of {@code half}, exactly. */
    abstract float toFloat(short half);

    @Override
    final int unitBytes() {
        return Short.BYTES;
    }

    @Override
    final void encode(float[] values, int n, ByteBuffer out) {
        ShortBuffer to = out.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        for (int i = 0; i < n; i++) {
            short half = toHalf(values[i]);
            to.put(i, half);
            values[i] -= toFloat(half);
        }
        out.position(out.position() + n * Short.BYTES);
    }

    @Override
    final boolean decode(ByteBuffer source, int first, int count, FloatBuffer into) {
        ShortBuffer from = source.asShortBuffer();
        int mask = 0;
        for (int done = 0; done < count; done += BLOCK) {
            int n = Math.min(BLOCK, count - done);
            from.get(done, halves, 0, n);
            for (int i = 0; i < n; i++) {
                float value = toFloat(halves[i]);
                floats[i] = value;
                mask |= nonFiniteMask(value);
            }
            into.put(first + done, floats, 0, n);
        }
        source.position(source.position() + count * Short.BYTES);
        return mask >= 0;
    }
}
