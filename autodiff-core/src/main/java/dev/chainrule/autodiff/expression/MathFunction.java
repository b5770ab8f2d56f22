package dev.chainrule.autodiff.expression;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.ops.Ops;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** The functions an expression may call, each with the engine op that computes and differentiates it. */
public enum MathFunction {
    SIN("sin", Ops::sin),
    COS("cos", Ops::cos),
    TAN("tan", Ops::tan),
    EXP("exp", Ops::exp),
    LOG("log", Ops::log),
    SQRT("sqrt", Ops::sqrt),
    ABS("abs", Ops::abs),
    TANH("tanh", Ops::tanh),
    SIGMOID("sigmoid", Ops::sigmoid),
    RELU("relu", Ops::relu);

    private final String symbol;
    private final UnaryOperator<Tensor> op;

    MathFunction(String symbol, UnaryOperator<Tensor> op) {
        this.symbol = symbol;
        this.op = op;
    }

    /** The name used in expressions, e.g. {@code sin}. */
    public String symbol() {
        return symbol;
    }

    /** Applies the engine op. */
    public Tensor apply(Tensor x) {
        return op.apply(x);
    }

    /** The function called {@code name}, or null. */
    public static MathFunction byName(String name) {
        for (MathFunction f : values()) {
            if (f.symbol.equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** All names, comma-separated, for messages. */
    public static String names() {
        return Arrays.stream(values()).map(MathFunction::symbol).collect(Collectors.joining(", "));
    }
}
