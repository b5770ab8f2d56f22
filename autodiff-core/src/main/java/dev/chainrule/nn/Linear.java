package dev.chainrule.nn;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.ops.Ops;
import java.util.SplittableRandom;

/** A fully connected layer y = x·Wᵀ + b with weight W [out, in] and bias b [out] (PyTorch's convention). */
public final class Linear {
    private final Tensor weight;
    private final Tensor bias;

    /** A layer over existing tensors (they become parameters that require grad). */
    public Linear(Tensor weight, Tensor bias) {
        if (weight.rank() != 2 || bias.rank() != 1 || bias.shape().dim(0) != weight.shape().dim(0)) {
            throw new IllegalArgumentException("Linear needs weight [out, in] and bias [out], got " + weight.describe()
                    + " and " + bias.describe());
        }
        this.weight = weight.requiresGrad(true);
        this.bias = bias.requiresGrad(true);
    }

    /** A freshly initialised float32 layer named {@code name} (weights named name.weight and name.bias). */
    static Linear initialized(String name, int in, int out, Initialization init, SplittableRandom random) {
        Tensor w = Tensor.zeros(DType.FLOAT32, out, in);
        for (int i = 0; i < w.size(); i++) {
            w.storage().set(i, init.sample(random, in, out));
        }
        return new Linear(w.named(name + ".weight"), Tensor.zeros(DType.FLOAT32, out).named(name + ".bias"));
    }

    /** y = x·Wᵀ + b for a batch x [N, in]. */
    public Tensor forward(Tensor x) {
        return Ops.linear(x, weight, bias);
    }

    /** The weight [out, in]. */
    public Tensor weight() {
        return weight;
    }

    /** The bias [out]. */
    public Tensor bias() {
        return bias;
    }
}
