package dev.chainrule.autodiff.expression;

/**
 * The domain rules of the expression language, checked before each operation is applied so that
 * an error names the operation and its argument instead of producing NaN or infinity.
 */
final class Domain {
    private Domain() {
    }

    static void checkFunction(MathFunction function, double x) {
        if (function == MathFunction.LOG && x <= 0) {
            throw new ExpressionDomainException("log of " + x + " is undefined (needs an argument > 0)");
        }
        if (function == MathFunction.SQRT && x < 0) {
            throw new ExpressionDomainException("sqrt of " + x + " is undefined (needs an argument >= 0)");
        }
    }

    static void checkDivision(double a, double b) {
        if (b == 0) {
            throw new ExpressionDomainException("division by zero in " + infix(a, "/", b));
        }
    }

    static void checkPower(double base, double exponent) {
        if (base < 0 && exponent != Math.rint(exponent)) {
            throw new ExpressionDomainException(infix(base, "^", exponent)
                    + " is undefined (a negative base needs an integer exponent)");
        }
        if (base == 0 && exponent < 0) {
            throw new ExpressionDomainException(infix(base, "^", exponent) + " is undefined (zero to a negative power)");
        }
    }

    /** Throws unless {@code value}, the result of {@code description}, is finite. */
    static void requireFinite(String description, double value) {
        if (!Double.isFinite(value)) {
            throw new ExpressionDomainException(description + " = " + value + " is not a finite number");
        }
    }

    /** {@code a op b}, with negative operands in parentheses so the text reads unambiguously. */
    static String infix(double a, String op, double b) {
        return operand(a) + " " + op + " " + operand(b);
    }

    static String call(String function, double x) {
        return function + "(" + x + ")";
    }

    private static String operand(double x) {
        return x < 0 || (x == 0 && 1 / x < 0) ? "(" + x + ")" : Double.toString(x);
    }
}
