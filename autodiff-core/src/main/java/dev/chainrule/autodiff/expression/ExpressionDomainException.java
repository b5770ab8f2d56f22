package dev.chainrule.autodiff.expression;

/**
 * A function or operation was applied outside its domain (log of 0, sqrt of a negative, division by
 * zero, a negative base to a non-integer power), or a value or derivative is not finite. The message
 * starts with {@code "domain error: "} and names the operation and its argument.
 */
public final class ExpressionDomainException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    /** @param detail what was applied to what, e.g. {@code "log of -1.0 is undefined (needs an argument > 0)"} */
    public ExpressionDomainException(String detail) {
        super("domain error: " + detail);
    }
}
