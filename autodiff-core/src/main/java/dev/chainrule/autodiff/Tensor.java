package dev.chainrule.autodiff;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense, row-major array of float32 or float64 elements that can take part in automatic
 * differentiation.
 *
 * <p>A tensor is a <em>leaf</em> when it was created directly (from an array, zeros, random...);
 * it is the output of an {@link Op} otherwise. When recording is on ({@link GradMode}) and any input
 * of an op requires a gradient, the output remembers that op, and through it the op's inputs: this
 * is the computational graph that {@link #backward()} walks. Leaves that require a gradient receive
 * it in {@link #grad()}, accumulated across backward passes until {@link #zeroGrad()}.
 *
 * <p>Operations live in {@code dev.chainrule.autodiff.ops}; this class holds values and graph links
 * only. Not thread-safe: one thread builds and differentiates a graph.
 */
public final class Tensor {
    private final Shape shape;
    private final Storage storage;
    private boolean requiresGrad;
    private Op gradFn;
    private Tensor grad;
    private Tensor tangent;
    private String name;

    private Tensor(Shape shape, Storage storage) {
        if (storage.length() != shape.size()) {
            throw new IllegalArgumentException(storage.length() + " values do not fill shape " + shape
                    + " (expected: " + shape.size() + ")");
        }
        this.shape = shape;
        this.storage = storage;
    }

    // ---- creation -------------------------------------------------------------------------------

    /** A float64 tensor holding a copy of {@code values} in the given shape (no dims: a scalar). */
    public static Tensor of(double[] values, int... dims) {
        return new Tensor(Shape.of(dims), Storage.wrap(values.clone()));
    }

    /** A float32 tensor holding a copy of {@code values} in the given shape (no dims: a scalar). */
    public static Tensor of(float[] values, int... dims) {
        return new Tensor(Shape.of(dims), Storage.copyOf(values));
    }

    /** A float64 matrix from rows of equal length. */
    public static Tensor of(double[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        double[] flat = new double[rows.length * cols];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != cols) {
                throw new IllegalArgumentException("row " + r + " has " + rows[r].length + " columns (expected: " + cols + ")");
            }
            System.arraycopy(rows[r], 0, flat, r * cols, cols);
        }
        return new Tensor(Shape.of(rows.length, cols), Storage.wrap(flat));
    }

    /** A float64 scalar. */
    public static Tensor scalar(double value) {
        return scalar(value, DType.FLOAT64);
    }

    /** A scalar of the given type. */
    public static Tensor scalar(double value, DType dtype) {
        return full(dtype, value, Shape.scalar());
    }

    /** A tensor over an existing buffer (not copied); for kernels and ops. */
    public static Tensor wrap(Shape shape, Storage storage) {
        return new Tensor(shape, storage);
    }

    /** A zero-filled tensor. */
    public static Tensor zeros(DType dtype, int... dims) {
        return zeros(dtype, Shape.of(dims));
    }

    /** A zero-filled tensor. */
    public static Tensor zeros(DType dtype, Shape shape) {
        return new Tensor(shape, Storage.allocate(dtype, shape.size()));
    }

    /** A zero-filled tensor whose memory never comes from a {@link Workspace}: for values that outlive it. */
    public static Tensor lastingZeros(DType dtype, Shape shape) {
        return new Tensor(shape, Storage.allocateLasting(dtype, shape.size()));
    }

    /** A tensor whose elements are unspecified, for kernels that overwrite every one of them. */
    public static Tensor uninitialized(DType dtype, Shape shape) {
        return new Tensor(shape, Storage.allocateUninitialized(dtype, shape.size()));
    }

    /** A tensor of ones. */
    public static Tensor ones(DType dtype, int... dims) {
        return full(dtype, 1.0, Shape.of(dims));
    }

    /** A tensor with every element equal to {@code value}. */
    public static Tensor full(DType dtype, double value, Shape shape) {
        Tensor t = zeros(dtype, shape);
        for (int i = 0; i < shape.size(); i++) {
            t.storage.set(i, value);
        }
        return t;
    }

    /** Standard normal samples from a generator seeded with {@code seed}: the same seed gives the same tensor. */
    public static Tensor randn(DType dtype, long seed, int... dims) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = zeros(dtype, dims);
        for (int i = 0; i < t.size(); i++) {
            t.storage.set(i, random.nextGaussian());
        }
        return t;
    }

    /** Uniform samples in {@code [low, high)} from a generator seeded with {@code seed}. */
    public static Tensor uniform(DType dtype, long seed, double low, double high, int... dims) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = zeros(dtype, dims);
        for (int i = 0; i < t.size(); i++) {
            t.storage.set(i, low + (high - low) * random.nextDouble());
        }
        return t;
    }

    // ---- values ---------------------------------------------------------------------------------

    /** The dimensions. */
    public Shape shape() {
        return shape;
    }

    /** The element type. */
    public DType dtype() {
        return storage.dtype();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.rank();
    }

    /** Number of elements. */
    public int size() {
        return shape.size();
    }

    /** The flat element buffer (shared, not copied). Writing into it bypasses the version check. */
    public Storage storage() {
        return storage;
    }

    /** The single element of a one-element tensor. */
    public double item() {
        if (size() != 1) {
            throw new IllegalStateException("item() needs a one-element tensor, not shape " + shape);
        }
        return storage.get(0);
    }

    /** The element at a multi-index. */
    public double get(int... index) {
        return storage.get(shape.offset(index));
    }

    /** The element at a row-major flat offset. */
    public double getFlat(int offset) {
        return storage.get(offset);
    }

    /** A copy of the elements, widened to double. */
    public double[] toDoubleArray() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = storage.get(i);
        }
        return out;
    }

    /** A copy of the elements, rounded to float. */
    public float[] toFloatArray() {
        if (storage instanceof Storage.Float32 f) {
            return f.toArray();
        }
        float[] out = new float[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) storage.get(i);
        }
        return out;
    }

    /** A new leaf with a copy of the elements in the given type. */
    public Tensor to(DType dtype) {
        Tensor t = zeros(dtype, shape);
        for (int i = 0; i < size(); i++) {
            t.storage.set(i, storage.get(i));
        }
        return t;
    }

    /**
     * A 1-D float32 tensor of this tensor's elements [{@code from}, {@code to}) in row-major order,
     * sharing their memory (see {@link Storage.Float32#range}): a part of a gradient to send, or the
     * part of a parameter that received weights are written into. Not part of any graph.
     *
     * @throws IllegalStateException when this tensor is not float32
     * @throws IndexOutOfBoundsException when the range is not within the tensor
     */
    public Tensor flatRange(int from, int to) {
        if (!(storage instanceof Storage.Float32 f)) {
            throw new IllegalStateException("flatRange of " + describe() + " (expected: a float32 tensor)");
        }
        Storage.Float32 range = f.range(from, to);
        return new Tensor(Shape.of(to - from), range);
    }

    /** A new leaf with a copy of the elements. */
    public Tensor copy() {
        return to(dtype());
    }

    /** The name used in error messages, graph pictures and gradient-check reports, or null. */
    public String name() {
        return name;
    }

    /** Sets the name used in messages; returns this tensor. */
    public Tensor named(String name) {
        this.name = name;
        return this;
    }

    // ---- in-place writes (each bumps the version) -----------------------------------------------

    /** Sets one element in place. */
    public void set(double value, int... index) {
        checkWritable("set");
        storage.set(shape.offset(index), value);
        storage.bumpVersion();
    }

    /** Sets every element in place. */
    public void fill(double value) {
        checkWritable("fill");
        for (int i = 0; i < size(); i++) {
            storage.set(i, value);
        }
        storage.bumpVersion();
    }

    /** Copies {@code source}'s elements (same shape) into this tensor in place. */
    public void copyFrom(Tensor source) {
        checkWritable("copyFrom");
        requireSameShape("copyFrom", source);
        if (storage instanceof Storage.Float32 f && source.storage instanceof Storage.Float32 sf) {
            f.buffer().put(0, sf.buffer(), 0, size());
        } else {
            for (int i = 0; i < size(); i++) {
                storage.set(i, source.storage.get(i));
            }
        }
        storage.bumpVersion();
    }

    /**
     * {@code this += alpha * x} in place (same shape): the update step of optimisers. Each element is
     * rounded once, as a fused multiply-add in the element type (torch's {@code add_(x, alpha=…)} on
     * CPU), with {@code alpha} first rounded to the element type.
     */
    public void addScaled(double alpha, Tensor x) {
        checkWritable("addScaled");
        requireSameShape("addScaled", x);
        if (storage instanceof Storage.Float32 f && x.storage instanceof Storage.Float32 xf) {
            FloatBuffer v = f.buffer();
            FloatBuffer xv = xf.buffer();
            float a = (float) alpha;
            for (int i = 0, n = size(); i < n; i++) {
                v.put(i, Math.fma(a, xv.get(i), v.get(i)));
            }
            storage.bumpVersion();
            return;
        }
        for (int i = 0; i < size(); i++) {
            storage.set(i, Math.fma(alpha, x.storage.get(i), storage.get(i)));
        }
        storage.bumpVersion();
    }

    /**
     * Records an in-place modification made by a kernel that wrote this tensor's buffer directly
     * (e.g. an optimiser's fused update), so that backward can detect a saved tensor that changed.
     */
    public void markModified() {
        checkWritable("markModified");
        storage.bumpVersion();
    }

    /** Number of in-place modifications of this tensor's buffer. */
    public int version() {
        return storage.version();
    }

    private void checkWritable(String what) {
        if (requiresGrad && GradMode.isEnabled()) {
            throw new IllegalStateException(what + "() on " + describe() + ", which requires grad, while recording;"
                    + " modify it inside GradMode.noGrad()");
        }
    }

    private void requireSameShape(String what, Tensor other) {
        if (!shape.equals(other.shape)) {
            throw new IllegalArgumentException(what + ": shape " + other.shape + " does not match " + describe());
        }
    }

    // ---- automatic differentiation --------------------------------------------------------------

    /** True when backward will compute a gradient with respect to this tensor. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as requiring (or not) a gradient; returns this tensor. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null) {
            throw new IllegalStateException("requiresGrad can only be set on a leaf; " + describe()
                    + " is the output of op '" + gradFn.name() + "' (use detach())");
        }
        this.requiresGrad = value;
        return this;
    }

    /** True when this tensor was not produced by a recorded op. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The recorded op that produced this tensor, or null for a leaf. */
    public Op gradFn() {
        return gradFn;
    }

    /** The gradient accumulated by backward passes (leaves only), or null before the first one. */
    public Tensor grad() {
        return grad;
    }

    /** Forgets the accumulated gradient. */
    public void zeroGrad() {
        grad = null;
    }

    /** A leaf sharing this tensor's elements (and version counter) that records no history. */
    public Tensor detach() {
        Tensor t = new Tensor(shape, storage);
        t.name = name;
        return t;
    }

    /** Reverse-mode differentiation from this scalar: seeds 1 and accumulates into leaves' {@link #grad()}. */
    public void backward() {
        Autograd.backward(this);
    }

    /** Reverse-mode differentiation from this tensor with an explicit seed (the adjoint of this tensor). */
    public void backward(Tensor seed, boolean retainGraph) {
        Autograd.backward(this, seed, retainGraph);
    }

    /** The forward-mode tangent carried by this tensor, or null when it carries none (a zero tangent). */
    public Tensor tangent() {
        return tangent;
    }

    void setGradFn(Op op) {
        this.gradFn = op;
        this.requiresGrad = true;
    }

    void setTangent(Tensor tangent) {
        this.tangent = tangent;
    }

    void accumulateGrad(Tensor adjoint) {
        if (grad == null) {
            grad = new Tensor(shape, Storage.allocateLasting(adjoint.dtype(), size()));
            for (int i = 0; i < size(); i++) {
                grad.storage.set(i, adjoint.storage.get(i));
            }
        } else {
            for (int i = 0; i < size(); i++) {
                grad.storage.set(i, grad.storage.get(i) + adjoint.storage.get(i));
            }
        }
    }

    /** A short description for messages: name (if any), shape and dtype. */
    public String describe() {
        String n = name == null ? "tensor" : "tensor '" + name + "'";
        return n + " " + shape + " " + dtype().name().toLowerCase();
    }

    @Override
    public String toString() {
        String values = size() <= 16 ? Arrays.toString(toDoubleArray()) : "[" + size() + " elements]";
        String origin = gradFn == null ? "" : ", gradFn=" + gradFn.name();
        return describe() + " " + values + origin;
    }
}
