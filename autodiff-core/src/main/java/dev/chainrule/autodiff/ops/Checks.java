package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Tensor;

/** Precondition checks shared by ops, with messages naming the op, the shapes and the types. */
final class Checks {
    private Checks() {
    }

    static void sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("op '" + op + "': dtypes differ: " + a.describe() + " and " + b.describe()
                    + " (convert one with to(dtype))");
        }
    }

    static void rank(String op, Tensor t, int expected) {
        if (t.rank() != expected) {
            throw new IllegalArgumentException("op '" + op + "' needs a rank-" + expected + " tensor, got " + t.describe());
        }
    }
}
