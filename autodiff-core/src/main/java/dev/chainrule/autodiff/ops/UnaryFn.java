package dev.chainrule.autodiff.ops;

/**
 * An elementwise function y = f(x) and its derivative dy/dx, written in terms of x and the already
 * computed y where that is cheaper or more accurate (e.g. exp' = y, tanh' = 1 − y²).
 */
public record UnaryFn(String name, Value value, Derivative derivative) {

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

    public static final UnaryFn NEG = new UnaryFn("neg", x -> -x, (x, y) -> -1);
    public static final UnaryFn EXP = new UnaryFn("exp", Math::exp, (x, y) -> y);
    public static final UnaryFn LOG = new UnaryFn("log", Math::log, (x, y) -> 1 / x);
    public static final UnaryFn SQRT = new UnaryFn("sqrt", Math::sqrt, (x, y) -> 0.5 / y);
    public static final UnaryFn ABS = new UnaryFn("abs", Math::abs, (x, y) -> Math.signum(x));
    public static final UnaryFn SIN = new UnaryFn("sin", Math::sin, (x, y) -> Math.cos(x));
    public static final UnaryFn COS = new UnaryFn("cos", Math::cos, (x, y) -> -Math.sin(x));
    public static final UnaryFn TAN = new UnaryFn("tan", Math::tan, (x, y) -> 1 + y * y);
    public static final UnaryFn TANH = new UnaryFn("tanh", Math::tanh, (x, y) -> 1 - y * y);
    public static final UnaryFn SIGMOID = new UnaryFn("sigmoid", UnaryFn::sigmoid, (x, y) -> y * (1 - y));
    public static final UnaryFn RELU = new UnaryFn("relu", x -> x > 0 ? x : 0, (x, y) -> x > 0 ? 1 : 0);

    /** x^c for a constant exponent c; the derivative c·x^(c−1) is 0 when c = 0. */
    public static UnaryFn pow(double c) {
        return new UnaryFn("pow", x -> Math.pow(x, c), (x, y) -> c == 0 ? 0 : c * Math.pow(x, c - 1));
    }

    /** The logistic function, evaluated without overflow for large |x|. */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }
}
