package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;

/**
 * Sum of all elements (to a scalar), or along one axis. Backward repeats the output's adjoint over
 * the summed axis; jvp sums the tangent the same way.
 */
final class Sum extends Op {
    private final Integer axis;
    private final boolean keepDim;
    private Shape inputShape;

    /** @param axis the axis to sum along, or null for all elements */
    Sum(Integer axis, boolean keepDim) {
        super("sum");
        this.axis = axis;
        this.keepDim = keepDim;
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        inputShape = in[0].shape();
        return reduce(in[0]);
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        Shape kept = axis == null ? Shape.scalar() : inputShape.reduce(axis, true);
        Tensor g = Ops.reshape(gradOutput, kept.dims());
        return new Tensor[] {Broadcast.expand(g, inputShape)};
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        return reduce(tangents[0]);
    }

    private Tensor reduce(Tensor x) {
        if (axis == null) {
            double s = 0;
            for (int i = 0; i < x.size(); i++) {
                s += x.getFlat(i);
            }
            return Tensor.scalar(s, x.dtype());
        }
        Shape shape = x.shape();
        int ax = shape.normalizeAxis(axis);
        int outer = shape.outerSize(ax);
        int length = shape.dim(ax);
        int inner = shape.innerSize(ax);
        Tensor out = Tensor.zeros(x.dtype(), shape.reduce(ax, keepDim));
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                double s = 0;
                for (int l = 0; l < length; l++) {
                    s += x.getFlat((o * length + l) * inner + in);
                }
                out.storage().set(o * inner + in, s);
            }
        }
        return out;
    }
}
