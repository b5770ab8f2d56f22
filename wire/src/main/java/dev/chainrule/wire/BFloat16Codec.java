package dev.chainrule.wire;

import dev.chainrule.autodiff.HalfFloats;
import dev.chainrule.proto.v1.Encoding;

/** bfloat16 ({@link Encoding#BFLOAT16}, float32's upper half), 2 bytes per element, as {@link HalfFloats} rounds and widens it. */
final class BFloat16Codec extends HalfCodec {
    @Override
    Encoding encoding() {
        return Encoding.BFLOAT16;
    }

    @Override
    short toHalf(float value) {
        return HalfFloats.floatToBFloat16Bits(value);
    }

    @Override
    float toFloat(short half) {
        return HalfFloats.bfloat16BitsToFloat(half);
    }
}
