package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.kernels.FloatKernels;
import java.nio.FloatBuffer;

/**
 * An elementwise function y = f(x) and its derivative dy/dx, written in terms of x and the already
 * computed y where that is cheaper or more accurate (e.g. exp' = y, tanh' = 1 − y²). A function may
 * also bring float32 loops ({@link Float32Loops}) that compute the same values over whole buffers
 * without a call per element; the others run element by element through {@link #value} and
 * {@link #derivative}.
 */
public record UnaryFn(String name, Value value, Derivative derivative, Float32Loops float32) {

    /** f(x). */
    @FunctionalInterface
    public interface Value {
        double at(double x);
    }

    /** f'(x), given x and y = f(x). */
    @FunctionalInterface
    public interface Derivative {
        double at(double x, double y);
    }

    /** Whole-buffer float32 loops for f and for t ⊙ f'(x); null when the function has none. */
    public interface Float32Loops {
        /** out[i] = f(x[i]) for i < n. */
        void value(FloatBuffer x, FloatBuffer out, int n);

        /** out[i] = t[i] · f'(x[i]) for i < n. */
        void timesDerivative(FloatBuffer x, FloatBuffer t, FloatBuffer out, int n);
    }

    /** A function with element-by-element rules only. */
    public UnaryFn(String name, Value value, Derivative derivative) {
        this(name, value, derivative, null);
    }

    public static final UnaryFn NEG = new UnaryFn("neg", x -> -x, (x, y) -> -1);
    public static final UnaryFn EXP = new UnaryFn("exp", StrictMath::exp, (x, y) -> y);
    public static final UnaryFn LOG = new UnaryFn("log", StrictMath::log, (x, y) -> 1 / x);
    public static final UnaryFn SQRT = new UnaryFn("sqrt", Math::sqrt, (x, y) -> 0.5 / y);
    public static final UnaryFn ABS = new UnaryFn("abs", Math::abs, (x, y) -> Math.signum(x));
    public static final UnaryFn SIN = new UnaryFn("sin", StrictMath::sin, (x, y) -> StrictMath.cos(x));
    public static final UnaryFn COS = new UnaryFn("cos", StrictMath::cos, (x, y) -> -StrictMath.sin(x));
    public static final UnaryFn TAN = new UnaryFn("tan", StrictMath::tan, (x, y) -> 1 + y * y);
    public static final UnaryFn TANH = new UnaryFn("tanh", StrictMath::tanh, (x, y) -> 1 - y * y);
    public static final UnaryFn SIGMOID = new UnaryFn("sigmoid", UnaryFn::sigmoid, (x, y) -> y * (1 - y));
    public static final UnaryFn RELU = new UnaryFn("relu", x -> x > 0 ? x : 0, (x, y) -> x > 0 ? 1 : 0, new Float32Loops() {
        @Override
        public void value(FloatBuffer x, FloatBuffer out, int n) {
            FloatKernels.relu(x, out, n);
        }

        @Override
        public void timesDerivative(FloatBuffer x, FloatBuffer t, FloatBuffer out, int n) {
            FloatKernels.reluBackward(x, t, out, n);
        }
    });

    /** x^c for a constant exponent c; the derivative c·x^(c−1) is 0 when c = 0. */
    public static UnaryFn pow(double c) {
        return new UnaryFn("pow", x -> StrictMath.pow(x, c), (x, y) -> c == 0 ? 0 : c * StrictMath.pow(x, c - 1));
    }

    /** The logistic function, evaluated without overflow for large |x|. */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + StrictMath.exp(-x));
        }
        double e = StrictMath.exp(x);
        return e / (1 + e);
    }
}
