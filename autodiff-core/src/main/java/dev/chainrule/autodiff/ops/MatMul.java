package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.kernels.Gemm;

/** C = A·B for 2-D A [m×k] and B [k×n]; backward dA = dC·Bᵀ, dB = Aᵀ·dC; jvp dC = dA·B + A·dB. */
final class MatMul extends Op {
    private int a;
    private int b;

    MatMul() {
        super("matmul");
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        Checks.sameDType(name(), in[0], in[1]);
        Checks.rank(name(), in[0], 2);
        Checks.rank(name(), in[1], 2);
        if (in[0].shape().dim(1) != in[1].shape().dim(0)) {
            throw new IllegalArgumentException("op 'matmul': inner dimensions differ: " + in[0].shape() + " · " + in[1].shape());
        }
        a = save(in[0]);
        b = save(in[1]);
        return product(in[0], in[1]);
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        Tensor left = saved(a);
        Tensor right = saved(b);
        Tensor dLeft = null;
        Tensor dRight = null;
        if (needsGrad(0)) {
            dLeft = Tensor.zeros(left.dtype(), left.shape());
            Gemm.matmulTransB(gradOutput, right, dLeft);
        }
        if (needsGrad(1)) {
            dRight = Tensor.zeros(right.dtype(), right.shape());
            Gemm.matmulTransA(left, gradOutput, dRight);
        }
        return new Tensor[] {dLeft, dRight};
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        Tensor left = saved(a);
        Tensor right = saved(b);
        Tensor fromLeft = tangents[0] == null ? null : product(tangents[0], right);
        Tensor fromRight = tangents[1] == null ? null : product(left, tangents[1]);
        if (fromLeft == null) {
            return fromRight;
        }
        return fromRight == null ? fromLeft : Ops.add(fromLeft, fromRight);
    }

    private static Tensor product(Tensor left, Tensor right) {
        Tensor out = Tensor.zeros(left.dtype(), Shape.of(left.shape().dim(0), right.shape().dim(1)));
        Gemm.matmul(left, right, out);
        return out;
    }
}
