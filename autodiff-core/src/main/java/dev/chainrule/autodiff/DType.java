package dev.chainrule.autodiff;

/** The element type of a tensor: float32 for training, float64 for gradient checks and oracles. */
public enum DType {
    /** IEEE 754 single precision, four bytes per element. */
    FLOAT32(4),
    /** IEEE 754 double precision, eight bytes per element. */
    FLOAT64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }
}
