package dev.chainrule.autodiff.check;

/** Thrown by {@link GradCheck} when an analytical gradient disagrees with central differences, or a value is NaN/Inf. */
public final class GradCheckFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GradCheckFailure(String message) {
        super(message);
    }
}
