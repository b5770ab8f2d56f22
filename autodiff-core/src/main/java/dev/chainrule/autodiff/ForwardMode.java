package dev.chainrule.autodiff;

/**
 * Forward-mode differentiation: a tensor carries a tangent alongside its value, and every op
 * applied to it computes its output's tangent with its jvp rule in the same forward pass. Making
 * input x a dual with tangent v yields, at any output f, the directional derivative J_f(x)·v.
 */
public final class ForwardMode {
    private ForwardMode() {
    }

    /** A new leaf with {@code primal}'s value (copied) carrying {@code tangent} (same shape and dtype). */
    public static Tensor dual(Tensor primal, Tensor tangent) {
        if (!primal.shape().equals(tangent.shape()) || primal.dtype() != tangent.dtype()) {
            throw new IllegalArgumentException("tangent " + tangent.describe() + " does not match primal " + primal.describe());
        }
        Tensor t = primal.copy().named(primal.name());
        t.setTangent(tangent.copy());
        return t;
    }

    /** The tangent carried by {@code t}, or zeros of its shape when it carries none. */
    public static Tensor tangentOf(Tensor t) {
        return t.tangent() != null ? t.tangent() : Tensor.zeros(t.dtype(), t.shape());
    }
}
