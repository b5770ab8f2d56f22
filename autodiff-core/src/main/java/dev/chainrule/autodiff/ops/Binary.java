package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Tensor;

/**
 * Applies a {@link BinaryFn} elementwise with broadcasting. An operand's contribution is
 * t ⊙ ∂f/∂operand, summed over the axes along which that operand was broadcast.
 */
final class Binary extends Op {
    private final BinaryFn fn;
    private int a;
    private int b;
    private int y;

    Binary(BinaryFn fn) {
        super(fn.name());
        this.fn = fn;
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        Checks.sameDType(name(), in[0], in[1]);
        Broadcast bc = Broadcast.of(name(), in[0].shape(), in[1].shape());
        Tensor out = Tensor.zeros(in[0].dtype(), bc.shape);
        for (int i = 0; i < bc.shape.size(); i++) {
            out.storage().set(i, fn.value().at(in[0].getFlat(Broadcast.at(bc.mapA, i)), in[1].getFlat(Broadcast.at(bc.mapB, i))));
        }
        a = save(in[0]);
        b = save(in[1]);
        y = save(out);
        return out;
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        Point p = point();
        return new Tensor[] {
            needsGrad(0) ? p.contribution(gradOutput, fn.byA(), p.bc.mapA, p.left) : null,
            needsGrad(1) ? p.contribution(gradOutput, fn.byB(), p.bc.mapB, p.right) : null
        };
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        Point p = point();
        double[] sum = new double[p.bc.shape.size()];
        p.addTangentTimes(sum, tangents[0], p.bc.mapA, fn.byA());
        p.addTangentTimes(sum, tangents[1], p.bc.mapB, fn.byB());
        Tensor out = Tensor.zeros(p.left.dtype(), p.bc.shape);
        for (int i = 0; i < sum.length; i++) {
            out.storage().set(i, sum[i]);
        }
        return out;
    }

    private Point point() {
        Tensor left = saved(a);
        Tensor right = saved(b);
        return new Point(left, right, saved(y), Broadcast.of(name(), left.shape(), right.shape()));
    }

    /** The saved operands and output at which the partial derivatives are evaluated. */
    private record Point(Tensor left, Tensor right, Tensor out, Broadcast bc) {

        double partial(BinaryFn.Partial partial, int i) {
            return partial.at(left.getFlat(Broadcast.at(bc.mapA, i)), right.getFlat(Broadcast.at(bc.mapB, i)), out.getFlat(i));
        }

        /** An operand's contribution: g ⊙ ∂f/∂operand, summed over the axes the operand was broadcast along. */
        Tensor contribution(Tensor g, BinaryFn.Partial partial, int[] map, Tensor operand) {
            return Broadcast.sumInto(i -> g.getFlat(i) * partial(partial, i), bc.shape.size(), map, operand);
        }

        /** Adds an operand's tangent (read through its broadcast map) times ∂f/∂operand; null adds nothing. */
        void addTangentTimes(double[] sum, Tensor tangent, int[] map, BinaryFn.Partial partial) {
            if (tangent == null) {
                return;
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] += tangent.getFlat(Broadcast.at(map, i)) * partial(partial, i);
            }
        }
    }
}
