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
        checkMatmul(a, b, out);
        int m = rows(a), k = cols(a), n = cols(b);
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
        checkMatmulTransA(a, b, out);
        int k = rows(a), m = cols(a), n = cols(b);
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
        checkMatmulTransB(a, b, out);
        int m = rows(a), k = cols(a), n = rows(b);
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

    /** Checks the operands of {@link #matmul}: ranks, inner dimensions, output shape, no aliasing. */
    static void checkMatmul(Tensor a, Tensor b, Tensor out) {
        requireMatrices("matmul", a, b, out);
        check("matmul", a, b, out, cols(a) == rows(b), rows(a), cols(b));
    }

    /** Checks the operands of {@link #matmulTransA}. */
    static void checkMatmulTransA(Tensor a, Tensor b, Tensor out) {
        requireMatrices("matmulTransA", a, b, out);
        check("matmulTransA", a, b, out, rows(a) == rows(b), cols(a), cols(b));
    }

    /** Checks the operands of {@link #matmulTransB}. */
    static void checkMatmulTransB(Tensor a, Tensor b, Tensor out) {
        requireMatrices("matmulTransB", a, b, out);
        check("matmulTransB", a, b, out, cols(a) == cols(b), rows(a), rows(b));
    }

    private static int rows(Tensor t) {
        return t.shape().dim(0);
    }

    private static int cols(Tensor t) {
        return t.shape().dim(1);
    }

    private static void requireMatrices(String kernel, Tensor a, Tensor b, Tensor out) {
        if (a.rank() != 2 || b.rank() != 2 || out.rank() != 2) {
            throw new IllegalArgumentException(kernel + " needs 2-D operands, got " + a.shape() + ", " + b.shape()
                    + " -> " + out.shape());
        }
    }

    private static void check(String kernel, Tensor a, Tensor b, Tensor out, boolean innerMatches, int m, int n) {
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
