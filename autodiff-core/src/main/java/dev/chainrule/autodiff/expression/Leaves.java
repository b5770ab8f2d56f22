package dev.chainrule.autodiff.expression;

import dev.chainrule.autodiff.ForwardMode;
import dev.chainrule.autodiff.Tensor;

/**
 * How the {@link Evaluator} makes the leaves of the graph: one rank-0 float64 tensor per distinct
 * variable (named after it) and one per number literal (named by its text). The choice decides what
 * gets differentiated: leaves that require a gradient for reverse mode, a dual for forward mode.
 */
public interface Leaves {

    /** The leaf for variable {@code name} with the given value; called once per distinct variable. */
    Tensor variable(String name, double value);

    /** The leaf for a number literal written as {@code text}. */
    Tensor constant(double value, String text);

    /** Plain leaves: the graph is evaluated, nothing is recorded or carried. */
    static Leaves plain() {
        return new Leaves() {
            @Override
            public Tensor variable(String name, double value) {
                return Tensor.scalar(value).named(name);
            }

            @Override
            public Tensor constant(double value, String text) {
                return Tensor.scalar(value).named(text);
            }
        };
    }

    /**
     * Every leaf, constants included, requires a gradient, so the whole graph is recorded and one
     * backward pass gives an adjoint to every node (constants too, which graph pictures show).
     */
    static Leaves recording() {
        Leaves plain = plain();
        return new Leaves() {
            @Override
            public Tensor variable(String name, double value) {
                return plain.variable(name, value).requiresGrad(true);
            }

            @Override
            public Tensor constant(double value, String text) {
                return plain.constant(value, text).requiresGrad(true);
            }
        };
    }

    /** Variable {@code seed} is a dual with tangent 1, every other leaf is plain: the output's tangent is ∂f/∂seed. */
    static Leaves dual(String seed) {
        Leaves plain = plain();
        return new Leaves() {
            @Override
            public Tensor variable(String name, double value) {
                Tensor leaf = plain.variable(name, value);
                return name.equals(seed) ? ForwardMode.dual(leaf, Tensor.scalar(1.0)) : leaf;
            }

            @Override
            public Tensor constant(double value, String text) {
                return plain.constant(value, text);
            }
        };
    }
}
