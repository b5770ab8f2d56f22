package dev.chainrule.nn;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.ops.Ops;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.UnaryOperator;

/** The hidden-layer nonlinearity of an MLP, and the weight initialisation that suits it. */
public enum Activation {
    /** max(x, 0), initialised with He (Kaiming) normal. */
    RELU(Ops::relu, Initialization.HE_NORMAL),
    /** 1 / (1 + e^−x), initialised with Xavier/Glorot uniform. */
    SIGMOID(Ops::sigmoid, Initialization.XAVIER_UNIFORM),
    /** tanh x, initialised with Xavier/Glorot uniform. */
    TANH(Ops::tanh, Initialization.XAVIER_UNIFORM);

    private final UnaryOperator<Tensor> function;
    private final Initialization initialization;

    Activation(UnaryOperator<Tensor> function, Initialization initialization) {
        this.function = function;
        this.initialization = initialization;
    }

    /** Applies the nonlinearity elementwise. */
    public Tensor apply(Tensor x) {
        return function.apply(x);
    }

    /** The weight initialisation used for layers followed by this activation. */
    public Initialization initialization() {
        return initialization;
    }

    /** Parses {@code relu}, {@code sigmoid} or {@code tanh} (case-insensitive). */
    public static Activation parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown activation '" + name + "' (expected one of "
                    + Arrays.toString(values()).toLowerCase(Locale.ROOT) + ")");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
