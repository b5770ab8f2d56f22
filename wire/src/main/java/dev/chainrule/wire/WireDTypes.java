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

    static DType fromWire(dev.chainrule.proto.v1.DType dtype, String tensor) {
        return switch (dtype) {
            case FLOAT32 -> DType.FLOAT32;
            case FLOAT64 -> DType.FLOAT64;
            default -> throw new WireFormatException("tensor '" + tensor + "': dtype " + dtype + " (expected: FLOAT32 or FLOAT64)");
        };
    }
}
