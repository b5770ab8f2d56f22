package dev.chainrule.autodiff;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * The flat element buffer behind a tensor, with the version counter that in-place writes bump so
 * that backward can detect a saved tensor that was changed after it was saved.
 *
 * <p>float32 elements live outside the Java heap in a direct buffer, so that native kernels (BLAS)
 * read and write them in place, without copies. Inside an open {@link Workspace} they are recycled
 * from earlier repetitions of the same computation instead of allocated. float64 elements (gradient
 * checks, oracles, the expression language) live in a heap array.
 */
public abstract sealed class Storage permits Storage.Float32, Storage.Float64 {
    private static final int ALIGNMENT = 64;
    private int version;

    /** A zero-filled buffer of {@code length} elements (from the open {@link Workspace}, if any). */
    public static Storage allocate(DType dtype, int length) {
        Storage s = allocateUninitialized(dtype, length);
        if (s instanceof Float32 f && f.recycled) {
            f.fill(0f);
        }
        return s;
    }

    /**
     * A buffer of {@code length} elements whose contents are unspecified (zero when new, old values
     * when recycled): for kernels that overwrite every element.
     */
    public static Storage allocateUninitialized(DType dtype, int length) {
        if (dtype == DType.FLOAT64) {
            return new Float64(new double[length]);
        }
        Direct recycled = Workspace.take(length);
        return recycled != null ? new Float32(recycled, true) : new Float32(newDirect(length), false);
    }

    /** A zero-filled buffer that never comes from a {@link Workspace}: for values that outlive it. */
    public static Storage allocateLasting(DType dtype, int length) {
        return dtype == DType.FLOAT64 ? new Float64(new double[length]) : new Float32(newDirect(length), false);
    }

    /** A float32 buffer holding a copy of {@code values}. */
    public static Storage copyOf(float[] values) {
        Float32 s = (Float32) allocateUninitialized(DType.FLOAT32, values.length);
        s.values.put(0, values);
        return s;
    }

    /** Wraps (does not copy) a double array. */
    public static Storage wrap(double[] values) {
        return new Float64(values);
    }

    /**
     * A new zero-filled direct buffer of {@code length} floats starting on a 64-byte boundary (a
     * cache line, and the width of AVX-512 loads), as BLAS libraries allocate their own.
     */
    static Direct newDirect(int length) {
        int bytes = Math.multiplyExact(length, Float.BYTES);
        int padded = Math.addExact(bytes, ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT; // alignedSlice also rounds the end down
        ByteBuffer raw = ByteBuffer.allocateDirect(Math.addExact(padded, ALIGNMENT - 1));
        ByteBuffer elements = raw.alignedSlice(ALIGNMENT).limit(bytes).slice().order(ByteOrder.nativeOrder());
        return new Direct(elements, elements.asFloatBuffer());
    }

    /**
     * One direct buffer of floats seen two ways: its bytes (native order) and its floats. A
     * {@link Workspace} recycles these whole, so a float32 storage can always give a byte view of its
     * elements (the JDK offers none of a float buffer).
     */
    record Direct(ByteBuffer bytes, FloatBuffer floats) {
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

    /** float32 elements in a direct buffer in native byte order. */
    public static final class Float32 extends Storage {
        private final ByteBuffer bytes;
        private final FloatBuffer values;
        private final boolean recycled;

        Float32(Direct direct, boolean recycled) {
            this.bytes = direct.bytes();
            this.values = direct.floats();
            this.recycled = recycled;
        }

        /**
         * The backing buffer, for kernels: direct, native byte order, position 0 and capacity
         * {@link #length()}. Use absolute get and put only (never change its position or limit).
         */
        public FloatBuffer buffer() {
            return values;
        }

        /**
         * The elements' bytes, little-endian, as a read-only buffer with position 0 and limit
         * {@link #length()} × 4 that shares this storage's memory (no copy): it sees every later
         * write, and keeps the memory alive as long as it is referenced. On a big-endian platform,
         * where the elements' own bytes are big-endian, it is a little-endian copy instead.
         */
        public ByteBuffer littleEndianBytes() {
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                ByteBuffer copy = ByteBuffer.allocate(bytes.capacity()).order(ByteOrder.LITTLE_ENDIAN);
                copy.asFloatBuffer().put(values.duplicate());
                return copy.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
            }
            return bytes.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }

        /**
         * A storage of this one's elements [{@code from}, {@code to}) that shares their memory (no copy):
         * each sees the other's writes. Its version counter is its own, so a write through it does not
         * bump this storage's; whoever writes through a view marks the whole tensor modified.
         *
         * @throws IndexOutOfBoundsException when the range is not within this storage
         */
        public Float32 range(int from, int to) {
            Objects.checkFromToIndex(from, to, values.capacity());
            ByteBuffer part = bytes.slice(from * Float.BYTES, (to - from) * Float.BYTES).order(ByteOrder.nativeOrder());
            return new Float32(new Direct(part, part.asFloatBuffer()), false);
        }

        /** A copy of the elements. */
        public float[] toArray() {
            float[] out = new float[values.capacity()];
            values.get(0, out);
            return out;
        }

        /** Overwrites every element with {@code source} (same length). Does not bump the version. */
        public void copyFrom(float[] source) {
            if (source.length != values.capacity()) {
                throw new IllegalArgumentException(source.length + " values for a buffer of " + values.capacity());
            }
            values.put(0, source);
        }

        void fill(float value) {
            for (int i = 0, n = values.capacity(); i < n; i++) {
                values.put(i, value);
            }
        }

        @Override
        public DType dtype() {
            return DType.FLOAT32;
        }

        @Override
        public int length() {
            return values.capacity();
        }

        @Override
        public double get(int i) {
            return values.get(i);
        }

        @Override
        public void set(int i, double value) {
            values.put(i, (float) value);
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
