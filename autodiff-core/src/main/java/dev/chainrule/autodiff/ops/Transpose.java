package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;

/** Swaps the two axes of a matrix; both rules transpose back (respectively forward) the same way. */
final class Transpose extends Op {

    Transpose() {
        super("transpose");
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        Checks.rank(name(), in[0], 2);
        return transposed(in[0]);
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        return new Tensor[] {transposed(gradOutput)};
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        return transposed(tangents[0]);
    }

    static Tensor transposed(Tensor x) {
        int rows = x.shape().dim(0);
        int cols = x.shape().dim(1);
        Tensor out = Tensor.zeros(x.dtype(), Shape.of(cols, rows));
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out.storage().set(c * rows + r, x.getFlat(r * cols + c));
            }
        }
        return out;
    }
}
