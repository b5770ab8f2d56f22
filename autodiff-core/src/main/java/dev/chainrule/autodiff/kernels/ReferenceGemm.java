package dev.chainrule.autodiff.kernels;

import dev.chainrule.autodiff.Tensor;

/**
 * Plain, obviously correct matrix products on row-major 2-D tensors, writing into caller-supplied
 * outputs. Each sum runs over k in increasing order, accumulated in double, then rounded once to
 * the output's type.
 */
public final class ReferenceGemm {
    private ReferenceGemm() {
    }

    /** out[m×n] = a[m×k] · b[k×n]. */
    public static void matmul(Tensor a, Tensor b, Tensor out) {
        int m = rows(a), k = cols(a), n = cols(b);
        check("matmul", a, b, out, k == rows(b), m, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a.getFlat(i * k + p) * b.getFlat(p * n + j);
                }
                out.storage().set(i * n + j, s);
            }
        }
    }

    /** out[m×n] = aᵀ · b for a[k×m], b[k×n] (the weight gradient Xᵀ·dY). */
    public static void matmulTransA(Tensor a, Tensor b, Tensor out) {
        int k = rows(a), m = cols(a), n = cols(b);
        check("matmulTransA", a, b, out, k == rows(b), m, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a.getFlat(p * m + i) * b.getFlat(p * n + j);
                }
                out.storage().set(i * n + j, s);
            }
        }
    }

    /** out[m×n] = a · bᵀ for a[m×k], b[n×k] (the input gradient dY·Wᵀ). */
    public static void matmulTransB(Tensor a, Tensor b, Tensor out) {
        int m = rows(a), k = cols(a), n = rows(b);
        check("matmulTransB", a, b, out, k == cols(b), m, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a.getFlat(i * k + p) * b.getFlat(j * k + p);
                }
                out.storage().set(i * n + j, s);
            }
        }
    }

    private static int rows(Tensor t) {
        return t.shape().dim(0);
    }

    private static int cols(Tensor t) {
        return t.shape().dim(1);
    }

    private static void check(String kernel, Tensor a, Tensor b, Tensor out, boolean innerMatches, int m, int n) {
        if (a.rank() != 2 || b.rank() != 2 || out.rank() != 2) {
            throw new IllegalArgumentException(kernel + " needs 2-D operands, got " + a.shape() + ", " + b.shape()
                    + " -> " + out.shape());
        }
        if (!innerMatches) {
            throw new IllegalArgumentException(kernel + ": inner dimensions differ in " + a.shape() + " and " + b.shape());
        }
        if (out.shape().dim(0) != m || out.shape().dim(1) != n) {
            throw new IllegalArgumentException(kernel + ": output " + out.shape() + " (expected: [" + m + ", " + n + "])");
        }
        if (out.storage() == a.storage() || out.storage() == b.storage()) {
            throw new IllegalArgumentException(kernel + ": the output must not alias an input");
        }
    }
}
