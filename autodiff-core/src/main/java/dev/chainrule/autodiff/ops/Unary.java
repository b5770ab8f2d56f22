package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.nio.FloatBuffer;

/**
 * Applies a {@link UnaryFn} elementwise; backward and jvp both multiply by f'(x) elementwise. On
 * float32 tensors a function's own whole-buffer loops run when it has them ({@link UnaryFn#float32}).
 */
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
        Tensor out = Tensor.uninitialized(input.dtype(), input.shape());
        if (hasFloat32Loops(input)) {
            fn.float32().value(floats(input), floats(out), input.size());
        } else {
            for (int i = 0; i < input.size(); i++) {
                out.storage().set(i, fn.value().at(input.getFlat(i)));
            }
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
        Tensor result = Tensor.uninitialized(in.dtype(), in.shape());
        if (hasFloat32Loops(in) && v.dtype() == DType.FLOAT32) {
            fn.float32().timesDerivative(floats(in), floats(v), floats(result), in.size());
            return result;
        }
        for (int i = 0; i < in.size(); i++) {
            result.storage().set(i, v.getFlat(i) * fn.derivative().at(in.getFlat(i), out.getFlat(i)));
        }
        return result;
    }

    private boolean hasFloat32Loops(Tensor t) {
        return fn.float32() != null && t.dtype() == DType.FLOAT32;
    }

    private static FloatBuffer floats(Tensor t) {
        return ((Storage.Float32) t.storage()).buffer();
    }
}
