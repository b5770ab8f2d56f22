package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;

/**
 * The primitive differentiable operations, one static method each. Every call applies a fresh op
 * whose forward, backward and jvp rules live in its own small class; binary elementwise ops
 * broadcast (NumPy rules), and both operands must have the same dtype.
 */
public final class Ops {
    private Ops() {
    }

    /** a + b, broadcasting. */
    public static Tensor add(Tensor a, Tensor b) {
        return new Binary(BinaryFn.ADD).apply(a, b);
    }

    /** a − b, broadcasting. */
    public static Tensor sub(Tensor a, Tensor b) {
        return new Binary(BinaryFn.SUB).apply(a, b);
    }

    /** a ⊙ b (elementwise), broadcasting. */
    public static Tensor mul(Tensor a, Tensor b) {
        return new Binary(BinaryFn.MUL).apply(a, b);
    }

    /** a / b (elementwise), broadcasting. */
    public static Tensor div(Tensor a, Tensor b) {
        return new Binary(BinaryFn.DIV).apply(a, b);
    }

    /** a^b (elementwise), broadcasting. */
    public static Tensor pow(Tensor a, Tensor b) {
        return new Binary(BinaryFn.POW).apply(a, b);
    }

    /** x^c for a constant exponent. */
    public static Tensor pow(Tensor x, double c) {
        return unary(UnaryFn.pow(c), x);
    }

    /** −x. */
    public static Tensor neg(Tensor x) {
        return unary(UnaryFn.NEG, x);
    }

    /** e^x. */
    public static Tensor exp(Tensor x) {
        return unary(UnaryFn.EXP, x);
    }

    /** Natural logarithm. */
    public static Tensor log(Tensor x) {
        return unary(UnaryFn.LOG, x);
    }

    /** Square root. */
    public static Tensor sqrt(Tensor x) {
        return unary(UnaryFn.SQRT, x);
    }

    /** |x|; its derivative at 0 is taken as 0. */
    public static Tensor abs(Tensor x) {
        return unary(UnaryFn.ABS, x);
    }

    /** Sine. */
    public static Tensor sin(Tensor x) {
        return unary(UnaryFn.SIN, x);
    }

    /** Cosine. */
    public static Tensor cos(Tensor x) {
        return unary(UnaryFn.COS, x);
    }

    /** Tangent. */
    public static Tensor tan(Tensor x) {
        return unary(UnaryFn.TAN, x);
    }

    /** Hyperbolic tangent. */
    public static Tensor tanh(Tensor x) {
        return unary(UnaryFn.TANH, x);
    }

    /** Logistic sigmoid 1 / (1 + e^−x). */
    public static Tensor sigmoid(Tensor x) {
        return unary(UnaryFn.SIGMOID, x);
    }

    /** max(x, 0); its derivative at 0 is taken as 0. */
    public static Tensor relu(Tensor x) {
        return unary(UnaryFn.RELU, x);
    }

    /** Matrix product of 2-D tensors [m×k]·[k×n]. */
    public static Tensor matmul(Tensor a, Tensor b) {
        return new MatMul().apply(a, b);
    }

    /** A fully connected layer's map x·wᵀ + b for x [n×in], w [out×in], b [out], as one graph node. */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        return new Affine().apply(x, w, b);
    }

    /** Transpose of a 2-D tensor. */
    public static Tensor transpose(Tensor x) {
        return new Transpose().apply(x);
    }

    /** The same elements under another shape; one dimension may be −1 to be inferred. */
    public static Tensor reshape(Tensor x, int... dims) {
        return new Reshape(inferShape(x.shape(), dims)).apply(x);
    }

    /** Sum of all elements, as a scalar. */
    public static Tensor sum(Tensor x) {
        return new Sum(null, false).apply(x);
    }

    /** Sum along {@code axis} (negative counts from the end), keeping it as length 1 if {@code keepDim}. */
    public static Tensor sum(Tensor x, int axis, boolean keepDim) {
        x.shape().normalizeAxis(axis);
        return new Sum(axis, keepDim).apply(x);
    }

    /** Maximum along {@code axis} (negative counts from the end), keeping it as length 1 if {@code keepDim}. */
    public static Tensor max(Tensor x, int axis, boolean keepDim) {
        x.shape().normalizeAxis(axis);
        return new Max(axis, keepDim).apply(x);
    }

    /** A constant scalar of {@code like}'s dtype, for mixing numbers into expressions. */
    public static Tensor constant(double value, Tensor like) {
        return Tensor.scalar(value, like.dtype());
    }

    private static Tensor unary(UnaryFn fn, Tensor x) {
        return new Unary(fn).apply(x);
    }

    private static Shape inferShape(Shape source, int[] dims) {
        int inferred = -1;
        int known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1) {
                if (inferred >= 0) {
                    throw new IllegalArgumentException("op 'reshape': only one dimension may be -1 in " + java.util.Arrays.toString(dims));
                }
                inferred = i;
            } else {
                known *= dims[i];
            }
        }
        if (inferred < 0) {
            return Shape.of(dims);
        }
        if (known == 0 || source.size() % known != 0) {
            throw new IllegalArgumentException("op 'reshape': cannot infer the -1 dimension reshaping " + source
                    + " (" + source.size() + " elements) with known dimensions of product " + known);
        }
        int[] resolved = dims.clone();
        resolved[inferred] = source.size() / known;
        return Shape.of(resolved);
    }
}
