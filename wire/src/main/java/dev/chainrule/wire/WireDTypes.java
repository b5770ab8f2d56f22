package dev.chainrule.wire;

import dev.chainrule.autodiff.DType;

/** Maps the engine's element types to the wire's and back. */
final class WireDTypes {
    private WireDTypes() {
    }

    static dev.chainrule.proto.v1.DType toWire(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> dev.chainrule.proto.v1.DType.FLOAT32;
            case FLOAT64 -> dev.chainrule.proto.v1.DType.FLOAT64;
        };
    }

    /** The engine's type for {@code dtype} (whose number on the wire is {@code value}, named when unknown). */
    static DType fromWire(dev.chainrule.proto.v1.DType dtype, int value, String tensor) {
        return switch (dtype) {
            case FLOAT32 -> DType.FLOAT32;
            case FLOAT64 -> DType.FLOAT64;
            default -> throw new WireFormatException("tensor '" + tensor + "': dtype "
                    + (dtype == dev.chainrule.proto.v1.DType.UNRECOGNIZED ? String.valueOf(value) : dtype.name())
                    + " (expected: FLOAT32 or FLOAT64)");
        };
    }
}
