package dev.chainrule.autodiff.ops;

/** An elementwise function y = f(a, b) with its two partial derivatives, written in terms of a, b and y. */
public record BinaryFn(String name, Value value, Partial byA, Partial byB) {

    /** f(a, b). */
    @FunctionalInterface
    public interface Value {
        double at(double a, double b);
    }

    /** A partial derivative at (a, b), given y = f(a, b). */
    @FunctionalInterface
    public interface Partial {
        double at(double a, double b, double y);
    }

    public static final BinaryFn ADD = new BinaryFn("add", (a, b) -> a + b, (a, b, y) -> 1, (a, b, y) -> 1);
    public static final BinaryFn SUB = new BinaryFn("sub", (a, b) -> a - b, (a, b, y) -> 1, (a, b, y) -> -1);
    public static final BinaryFn MUL = new BinaryFn("mul", (a, b) -> a * b, (a, b, y) -> b, (a, b, y) -> a);
    public static final BinaryFn DIV = new BinaryFn("div", (a, b) -> a / b, (a, b, y) -> 1 / b, (a, b, y) -> -a / (b * b));
    /** a^b: ∂/∂a = b·a^(b−1) (0 when b = 0); ∂/∂b = a^b·ln a (0 when a = 0 and b ≥ 0). */
    public static final BinaryFn POW = new BinaryFn("pow", StrictMath::pow,
            (a, b, y) -> b == 0 ? 0 : b * StrictMath.pow(a, b - 1),
            (a, b, y) -> a == 0 && b >= 0 ? 0 : y * StrictMath.log(a));
}
