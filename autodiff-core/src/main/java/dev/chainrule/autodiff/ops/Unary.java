package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Tensor;

/** Applies a {@link UnaryFn} elementwise; backward and jvp both multiply by f'(x) elementwise. */
final class Unary extends Op {
    private final UnaryFn fn;
    private int x;
    private int y;

    Unary(UnaryFn fn) {
        super(fn.name());
        this.fn = fn;
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        Tensor input = in[0];
        Tensor out = Tensor.zeros(input.dtype(), input.shape());
        for (int i = 0; i < input.size(); i++) {
            out.storage().set(i, fn.value().at(input.getFlat(i)));
        }
        x = save(input);
        y = save(out);
        return out;
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        return new Tensor[] {timesDerivative(gradOutput)};
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        return timesDerivative(tangents[0]);
    }

    /** v ⊙ f'(x), the rule shared by both modes. */
    private Tensor timesDerivative(Tensor v) {
        Tensor in = saved(x);
        Tensor out = saved(y);
        Tensor result = Tensor.zeros(in.dtype(), in.shape());
        for (int i = 0; i < in.size(); i++) {
            result.storage().set(i, v.getFlat(i) * fn.derivative().at(in.getFlat(i), out.getFlat(i)));
        }
        return result;
    }
}
