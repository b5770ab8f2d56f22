package dev.chainrule.autodiff;

/**
 * The flat element buffer behind a tensor, with the version counter that in-place writes bump so
 * that backward can detect a saved tensor that was changed after it was saved.
 */
public abstract sealed class Storage permits Storage.Float32, Storage.Float64 {
    private int version;

    /** A zero-filled buffer of {@code length} elements. */
    public static Storage allocate(DType dtype, int length) {
        return switch (dtype) {
            case FLOAT32 -> new Float32(new float[length]);
            case FLOAT64 -> new Float64(new double[length]);
        };
    }

    /** Wraps (does not copy) a float array. */
    public static Storage wrap(float[] values) {
        return new Float32(values);
    }

    /** Wraps (does not copy) a double array. */
    public static Storage wrap(double[] values) {
        return new Float64(values);
    }

    /** Element type. */
    public abstract DType dtype();

    /** Number of elements. */
    public abstract int length();

    /** Element {@code i}, widened to double. */
    public abstract double get(int i);

    /** Sets element {@code i}, rounding to the element type. Does not bump the version. */
    public abstract void set(int i, double value);

    /** Number of in-place modifications so far. */
    public int version() {
        return version;
    }

    void bumpVersion() {
        version++;
    }

    /** float32 elements. */
    public static final class Float32 extends Storage {
        private final float[] values;

        Float32(float[] values) {
            this.values = values;
        }

        /** The backing array, for kernels that write into it directly. */
        public float[] array() {
            return values;
        }

        @Override
        public DType dtype() {
            return DType.FLOAT32;
        }

        @Override
        public int length() {
            return values.length;
        }

        @Override
        public double get(int i) {
            return values[i];
        }

        @Override
        public void set(int i, double value) {
            values[i] = (float) value;
        }
    }

    /** float64 elements. */
    public static final class Float64 extends Storage {
        private final double[] values;

        Float64(double[] values) {
            this.values = values;
        }

        /** The backing array, for kernels that write into it directly. */
        public double[] array() {
            return values;
        }

        @Override
        public DType dtype() {
            return DType.FLOAT64;
        }

        @Override
        public int length() {
            return values.length;
        }

        @Override
        public double get(int i) {
            return values[i];
        }

        @Override
        public void set(int i, double value) {
            values[i] = value;
        }
    }
}
