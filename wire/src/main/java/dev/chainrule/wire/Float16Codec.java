package dev.chainrule.wire;

import dev.chainrule.autodiff.HalfFloats;
import dev.chainrule.proto.v1.Encoding;

/** IEEE 754 binary16 ({@link Encoding#FLOAT16}), 2 bytes per element, as {@link HalfFloats} rounds and widens it. */
final class Float16Codec extends HalfCodec {
    @Override
    Encoding encoding() {
        return Encoding.FLOAT16;
    }

    @Override
    short toHalf(float value) {
        return HalfFloats.floatToFloat16Bits(value);
    }

    @Override
    float toFloat(short half) {
        return HalfFloats.float16BitsToFloat(half);
    }
}
