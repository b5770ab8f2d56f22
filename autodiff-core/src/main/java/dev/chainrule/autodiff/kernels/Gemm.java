package dev.chainrule.autodiff.kernels;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.nio.FloatBuffer;

/**
 * The matrix products used by ops: float32 tensors go to OpenBLAS ({@code cblas_sgemm}), float64
 * tensors (gradient checks and oracles) — and float32 ones where OpenBLAS cannot load — to
 * {@link ReferenceGemm}. Shapes and aliasing are checked first; outputs are supplied by the caller
 * and overwritten. Each product runs on the calling thread alone, and gives the same bits on every run;
 * several threads may multiply at once.
 */
public final class Gemm {
    private static volatile boolean warned;

    private Gemm() {
    }

    /** True when float32 products run on OpenBLAS; false when they fall back to the reference kernel. */
    public static boolean native32() {
        return OpenBlas.available();
    }

    /** out[m×n] = a[m×k] · b[k×n]. */
    public static void matmul(Tensor a, Tensor b, Tensor out) {
        ReferenceGemm.checkMatmul(a, b, out);
        if (fast(a, b, out)) {
            product(false, false, dim(a, 0), dim(b, 1), dim(a, 1), a, b, out);
        } else {
            ReferenceGemm.matmul(a, b, out);
        }
    }

    /** out[m×n] = aᵀ · b for a[k×m], b[k×n]. */
    public static void matmulTransA(Tensor a, Tensor b, Tensor out) {
        ReferenceGemm.checkMatmulTransA(a, b, out);
        if (fast(a, b, out)) {
            product(true, false, dim(a, 1), dim(b, 1), dim(a, 0), a, b, out);
        } else {
            ReferenceGemm.matmulTransA(a, b, out);
        }
    }

    /** out[m×n] = a · bᵀ for a[m×k], b[n×k]. */
    public static void matmulTransB(Tensor a, Tensor b, Tensor out) {
        ReferenceGemm.checkMatmulTransB(a, b, out);
        if (fast(a, b, out)) {
            product(false, true, dim(a, 0), dim(b, 0), dim(a, 1), a, b, out);
        } else {
            ReferenceGemm.matmulTransB(a, b, out);
        }
    }

    private static void product(boolean transA, boolean transB, int m, int n, int k, Tensor a, Tensor b, Tensor out) {
        FloatBuffer c = floats(out);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            for (int i = 0, size = m * n; i < size; i++) {
                c.put(i, 0f);
            }
            return;
        }
        OpenBlas.sgemm(transA, transB, m, n, k, floats(a), floats(b), 0f, c);
    }

    private static boolean fast(Tensor a, Tensor b, Tensor out) {
        if (a.dtype() != DType.FLOAT32 || b.dtype() != DType.FLOAT32 || out.dtype() != DType.FLOAT32) {
            return false;
        }
        if (!OpenBlas.available() && !warned) {
            warned = true;
            System.err.println("warning: OpenBLAS is not available on this platform (" + OpenBlas.unavailableReason()
                    + "); float32 matrix products use the slow reference kernel");
        }
        return OpenBlas.available();
    }

    private static FloatBuffer floats(Tensor t) {
        return ((Storage.Float32) t.storage()).buffer();
    }

    private static int dim(Tensor t, int axis) {
        return t.shape().dim(axis);
    }
}
