package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A named function of named float64 inputs, used to check one op (or variant) in both modes. */
record OpCase(String name, Function<List<Tensor>, Tensor> f, List<Tensor> inputs) {

    @Override
    public String toString() {
        return name;
    }

    /** Inputs that require grad, named x0, x1, … . */
    static List<Tensor> inputs(Tensor... values) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            out.add(values[i].named("x" + i).requiresGrad(true));
        }
        return out;
    }

    static Tensor uniform(long seed, double low, double high, int... dims) {
        return Tensor.uniform(DType.FLOAT64, seed, low, high, dims);
    }

    /** Values with magnitude in [0.2, 1.2] and random sign: away from the kinks of abs, relu and max. */
    static Tensor awayFromZero(long seed, int... dims) {
        Tensor t = uniform(seed, 0.2, 1.2, dims);
        Tensor sign = uniform(seed + 1, -1, 1, dims);
        for (int i = 0; i < t.size(); i++) {
            t.storage().set(i, sign.getFlat(i) < 0 ? -t.getFlat(i) : t.getFlat(i));
        }
        return t;
    }

    /** Every primitive op and composite, with its broadcast and axis variants. */
    static List<OpCase> all() {
        List<OpCase> c = new ArrayList<>();
        c.add(binary("add", Ops::add, uniform(1, -2, 2, 2, 3), uniform(2, -2, 2, 2, 3)));
        c.add(binary("add bias row over matrix", Ops::add, uniform(3, -2, 2, 4, 3), uniform(4, -2, 2, 3)));
        c.add(binary("add column over matrix", Ops::add, uniform(5, -2, 2, 4, 3), uniform(6, -2, 2, 4, 1)));
        c.add(binary("add scalar over matrix", Ops::add, uniform(7, -2, 2, 2, 3), uniform(8, -2, 2)));
        c.add(binary("add row to column (outer)", Ops::add, uniform(9, -2, 2, 1, 3), uniform(10, -2, 2, 4, 1)));
        c.add(binary("sub", Ops::sub, uniform(11, -2, 2, 3), uniform(12, -2, 2, 3)));
        c.add(binary("sub bias row", Ops::sub, uniform(13, -2, 2, 2, 3), uniform(14, -2, 2, 3)));
        c.add(binary("mul", Ops::mul, uniform(15, -2, 2, 2, 3), uniform(16, -2, 2, 2, 3)));
        c.add(binary("mul column", Ops::mul, uniform(17, -2, 2, 2, 3), uniform(18, -2, 2, 2, 1)));
        c.add(binary("div", Ops::div, uniform(19, -2, 2, 2, 3), awayFromZero(20, 2, 3)));
        c.add(binary("div by row", Ops::div, uniform(21, -2, 2, 3, 2), awayFromZero(22, 2)));
        c.add(binary("pow tensor^tensor", Ops::pow, uniform(23, 0.3, 2, 2, 3), uniform(24, -2, 2, 2, 3)));
        c.add(binary("pow tensor^row", Ops::pow, uniform(25, 0.3, 2, 2, 3), uniform(26, -2, 2, 3)));
        c.add(unary("pow scalar 3", x -> Ops.pow(x, 3), uniform(27, -2, 2, 2, 3)));
        c.add(unary("pow scalar 0.5", x -> Ops.pow(x, 0.5), uniform(28, 0.3, 2, 2, 3)));
        c.add(unary("pow scalar -2", x -> Ops.pow(x, -2), awayFromZero(29, 5)));
        c.add(unary("neg", Ops::neg, uniform(30, -2, 2, 2, 3)));
        c.add(unary("exp", Ops::exp, uniform(31, -2, 2, 2, 3)));
        c.add(unary("log", Ops::log, uniform(32, 0.2, 3, 2, 3)));
        c.add(unary("sqrt", Ops::sqrt, uniform(33, 0.2, 3, 2, 3)));
        c.add(unary("abs", Ops::abs, awayFromZero(34, 2, 3)));
        c.add(unary("sin", Ops::sin, uniform(35, -3, 3, 2, 3)));
        c.add(unary("cos", Ops::cos, uniform(36, -3, 3, 2, 3)));
        c.add(unary("tan", Ops::tan, uniform(37, -1.2, 1.2, 2, 3)));
        c.add(unary("tanh", Ops::tanh, uniform(38, -2, 2, 2, 3)));
        c.add(unary("sigmoid", Ops::sigmoid, uniform(39, -4, 4, 2, 3)));
        c.add(unary("relu", Ops::relu, awayFromZero(40, 2, 3)));
        c.add(unary("exp of a scalar", Ops::exp, uniform(41, -1, 1)));
        c.add(binary("matmul", Ops::matmul, uniform(42, -1, 1, 3, 4), uniform(43, -1, 1, 4, 2)));
        c.add(binary("matmul outer", Ops::matmul, uniform(44, -1, 1, 3, 1), uniform(45, -1, 1, 1, 2)));
        c.add(unary("transpose", Ops::transpose, uniform(46, -1, 1, 2, 3)));
        c.add(unary("reshape", x -> Ops.reshape(x, 3, 2), uniform(47, -1, 1, 2, 3)));
        c.add(unary("reshape inferred", x -> Ops.reshape(x, 2, -1), uniform(48, -1, 1, 6)));
        c.add(unary("sum all", Ops::sum, uniform(49, -1, 1, 2, 3)));
        c.add(unary("sum axis 0", x -> Ops.sum(x, 0, false), uniform(50, -1, 1, 2, 3)));
        c.add(unary("sum axis 1 keepDim", x -> Ops.sum(x, 1, true), uniform(51, -1, 1, 2, 3)));
        c.add(unary("sum axis -1", x -> Ops.sum(x, -1, false), uniform(52, -1, 1, 2, 3)));
        c.add(unary("sum middle axis of rank 3", x -> Ops.sum(x, 1, false), uniform(53, -1, 1, 2, 3, 2)));
        c.add(unary("mean all", Functional::mean, uniform(54, -1, 1, 2, 3)));
        c.add(unary("mean axis 0", x -> Functional.mean(x, 0, false), uniform(55, -1, 1, 2, 3)));
        c.add(unary("max axis 0", x -> Ops.max(x, 0, false), uniform(56, -1, 1, 3, 4)));
        c.add(unary("max axis 1 keepDim", x -> Ops.max(x, 1, true), uniform(57, -1, 1, 3, 4)));
        c.add(unary("softmax", Functional::softmax, uniform(58, -3, 3, 3, 4)));
        c.add(unary("logSoftmax", Functional::logSoftmax, uniform(59, -3, 3, 3, 4)));
        c.add(unary("crossEntropy", x -> Functional.crossEntropy(x, new int[] {2, 0, 3}), uniform(60, -3, 3, 3, 4)));
        c.add(binary("mse", Functional::mse, uniform(61, -2, 2, 3, 2), uniform(62, -2, 2, 3, 2)));
        c.add(new OpCase("linear layer x·Wᵀ + b", in -> Ops.add(Ops.matmul(in.get(0), Ops.transpose(in.get(1))), in.get(2)),
                inputs(uniform(63, -1, 1, 5, 3), uniform(64, -1, 1, 4, 3), uniform(65, -1, 1, 4))));
        c.add(new OpCase("linear (one node)", in -> Ops.linear(in.get(0), in.get(1), in.get(2)),
                inputs(uniform(66, -1, 1, 5, 3), uniform(67, -1, 1, 4, 3), uniform(68, -1, 1, 4))));
        c.add(unary("crossEntropySum", x -> Functional.crossEntropySum(x, new int[] {1, 3, 3, 0}), uniform(69, -4, 4, 4, 5)));
        return c;
    }

    private static OpCase unary(String name, Function<Tensor, Tensor> f, Tensor x) {
        return new OpCase(name, in -> f.apply(in.get(0)), inputs(x));
    }

    private static OpCase binary(String name, java.util.function.BinaryOperator<Tensor> f, Tensor a, Tensor b) {
        return new OpCase(name, in -> f.apply(in.get(0), in.get(1)), inputs(a, b));
    }
}
