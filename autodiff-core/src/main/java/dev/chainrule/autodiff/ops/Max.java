package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;

/**
 * Maximum along one axis. The whole adjoint of each output goes to the element that attained the
 * maximum (the first one on ties, as with PyTorch's {@code max(dim)}); jvp reads the tangent there.
 */
final class Max extends Op {
    private final int axis;
    private final boolean keepDim;
    private Shape inputShape;
    private int[] argmax;

    Max(int axis, boolean keepDim) {
        super("max");
        this.axis = axis;
        this.keepDim = keepDim;
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        Tensor x = in[0];
        inputShape = x.shape();
        int ax = inputShape.normalizeAxis(axis);
        int outer = inputShape.outerSize(ax);
        int length = inputShape.dim(ax);
        int inner = inputShape.innerSize(ax);
        if (length == 0) {
            throw new IllegalArgumentException("op 'max': axis " + axis + " of " + x.describe() + " is empty");
        }
        Shape outShape = inputShape.reduce(ax, keepDim);
        argmax = new int[outShape.size()];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int best = o * length * inner + i;
                for (int l = 1; l < length; l++) {
                    int at = (o * length + l) * inner + i;
                    if (x.getFlat(at) > x.getFlat(best) || Double.isNaN(x.getFlat(at)) && !Double.isNaN(x.getFlat(best))) {
                        best = at;
                    }
                }
                argmax[o * inner + i] = best;
            }
        }
        return gather(x, outShape);
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        Tensor g = Tensor.zeros(gradOutput.dtype(), inputShape);
        for (int j = 0; j < argmax.length; j++) {
            g.storage().set(argmax[j], gradOutput.getFlat(j));
        }
        return new Tensor[] {g};
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        return gather(tangents[0], inputShape.reduce(axis, keepDim));
    }

    private Tensor gather(Tensor x, Shape shape) {
        Tensor out = Tensor.zeros(x.dtype(), shape);
        for (int j = 0; j < argmax.length; j++) {
            out.storage().set(j, x.getFlat(argmax[j]));
        }
        return out;
    }
}
