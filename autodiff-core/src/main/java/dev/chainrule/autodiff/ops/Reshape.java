package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;

/** The same elements in row-major order under another shape of equal size; rules reshape back or forward. */
final class Reshape extends Op {
    private final Shape target;
    private Shape source;

    Reshape(Shape target) {
        super("reshape");
        this.target = target;
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        source = in[0].shape();
        if (source.size() != target.size()) {
            throw new IllegalArgumentException("op 'reshape': cannot reshape " + source + " (" + source.size()
                    + " elements) to " + target + " (" + target.size() + " elements)");
        }
        return copyAs(in[0], target);
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        return new Tensor[] {copyAs(gradOutput, source)};
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        return copyAs(tangents[0], target);
    }

    private static Tensor copyAs(Tensor x, Shape shape) {
        Tensor out = Tensor.zeros(x.dtype(), shape);
        for (int i = 0; i < x.size(); i++) {
            out.storage().set(i, x.getFlat(i));
        }
        return out;
    }
}
