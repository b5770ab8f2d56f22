package dev.chainrule.autodiff;

import java.util.IdentityHashMap;
import java.util.Map;

/** Test ops that count how often their backward rule runs, keyed by the op instance. */
final class CountingOps {
    final Map<Op, Integer> backwardCalls = new IdentityHashMap<>();

    /** a · b for scalars. */
    Tensor mul(String name, Tensor a, Tensor b) {
        return new Op(name) {
            private int left;
            private int right;

            @Override
            protected Tensor forward(Tensor[] in) {
                left = save(in[0]);
                right = save(in[1]);
                return Tensor.scalar(in[0].item() * in[1].item());
            }

            @Override
            protected Tensor[] backward(Tensor g) {
                backwardCalls.merge(this, 1, Integer::sum);
                return new Tensor[] {
                    Tensor.scalar(g.item() * saved(right).item()), Tensor.scalar(g.item() * saved(left).item())
                };
            }
        }.apply(a, b);
    }

    /** sin(a) for a scalar. */
    Tensor sin(String name, Tensor a) {
        return new Op(name) {
            private int x;

            @Override
            protected Tensor forward(Tensor[] in) {
                x = save(in[0]);
                return Tensor.scalar(Math.sin(in[0].item()));
            }

            @Override
            protected Tensor[] backward(Tensor g) {
                backwardCalls.merge(this, 1, Integer::sum);
                return new Tensor[] {Tensor.scalar(g.item() * Math.cos(saved(x).item()))};
            }
        }.apply(a);
    }
}
