package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.kernels.Gemm;
import java.nio.FloatBuffer;

/**
 * A fully connected layer's map Y = X·Wᵀ + b for X [n×in], W [out×in], b [out], as one node (W is
 * read transposed in place, never copied). Backward: dX = dY·W, dW = dYᵀ·X, db = Σ_rows dY;
 * jvp: dY = dX·Wᵀ + X·dWᵀ + db.
 */
final class Affine extends Op {
    private int x;
    private int w;

    Affine() {
        super("linear");
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        Tensor input = in[0];
        Tensor weight = in[1];
        Tensor bias = in[2];
        Checks.sameDType(name(), input, weight);
        Checks.sameDType(name(), input, bias);
        Checks.rank(name(), input, 2);
        Checks.rank(name(), weight, 2);
        Checks.rank(name(), bias, 1);
        int outputs = weight.shape().dim(0);
        if (input.shape().dim(1) != weight.shape().dim(1) || bias.shape().dim(0) != outputs) {
            throw new IllegalArgumentException("op 'linear': input " + input.shape() + ", weight " + weight.shape() + " and bias "
                    + bias.shape() + " do not fit (expected: [n, in], [out, in], [out])");
        }
        x = save(input);
        w = save(weight);
        Tensor out = Tensor.uninitialized(input.dtype(), Shape.of(input.shape().dim(0), outputs));
        Gemm.matmulTransB(input, weight, out);
        addToRows(out, bias);
        return out;
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        Tensor input = saved(x);
        Tensor weight = saved(w);
        Tensor dInput = null;
        Tensor dWeight = null;
        if (needsGrad(0)) {
            dInput = Tensor.uninitialized(input.dtype(), input.shape());
            Gemm.matmul(gradOutput, weight, dInput);
        }
        if (needsGrad(1)) {
            dWeight = Tensor.uninitialized(weight.dtype(), weight.shape());
            Gemm.matmulTransA(gradOutput, input, dWeight);
        }
        return new Tensor[] {dInput, dWeight, needsGrad(2) ? columnSums(gradOutput) : null};
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        Tensor input = saved(x);
        Tensor weight = saved(w);
        Tensor out = Tensor.zeros(input.dtype(), Shape.of(input.shape().dim(0), weight.shape().dim(0)));
        Tensor term = Tensor.uninitialized(input.dtype(), out.shape());
        if (tangents[0] != null) {
            Gemm.matmulTransB(tangents[0], weight, term);
            addInPlace(out, term);
        }
        if (tangents[1] != null) {
            Gemm.matmulTransB(input, tangents[1], term);
            addInPlace(out, term);
        }
        if (tangents[2] != null) {
            addToRows(out, tangents[2]);
        }
        return out;
    }

    /** rows[i, j] += v[j] for every row i. */
    private static void addToRows(Tensor rows, Tensor v) {
        int width = v.size();
        int n = rows.size() / Math.max(width, 1);
        if (rows.dtype() == DType.FLOAT32) {
            FloatBuffer r = floats(rows);
            FloatBuffer b = floats(v);
            for (int i = 0; i < n; i++) {
                int row = i * width;
                for (int j = 0; j < width; j++) {
                    r.put(row + j, r.get(row + j) + b.get(j));
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < width; j++) {
                    rows.storage().set(i * width + j, rows.getFlat(i * width + j) + v.getFlat(j));
                }
            }
        }
    }

    /** Σ_i g[i, j] over the rows, in row order. */
    private static Tensor columnSums(Tensor g) {
        int width = g.shape().dim(1);
        int n = g.shape().dim(0);
        Tensor sums = Tensor.zeros(g.dtype(), Shape.of(width));
        if (g.dtype() == DType.FLOAT32) {
            FloatBuffer s = floats(sums);
            FloatBuffer v = floats(g);
            for (int i = 0; i < n; i++) {
                int row = i * width;
                for (int j = 0; j < width; j++) {
                    s.put(j, s.get(j) + v.get(row + j));
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < width; j++) {
                    sums.storage().set(j, sums.getFlat(j) + g.getFlat(i * width + j));
                }
            }
        }
        return sums;
    }

    private static void addInPlace(Tensor target, Tensor term) {
        for (int i = 0; i < target.size(); i++) {
            target.storage().set(i, target.getFlat(i) + term.getFlat(i));
        }
    }

    private static FloatBuffer floats(Tensor t) {
        return ((Storage.Float32) t.storage()).buffer();
    }
}
