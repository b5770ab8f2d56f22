package dev.chainrule.autodiff.kernels;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;

/**
 * The matrix products used by ops: float32 tensors go to {@link FloatGemm}, float64 tensors (gradient
 * checks and oracles) to {@link ReferenceGemm}. Shapes and aliasing are checked first; outputs are
 * supplied by the caller and overwritten.
 */
public final class Gemm {
    private Gemm() {
    }

    /** out[m×n] = a[m×k] · b[k×n]. */
    public static void matmul(Tensor a, Tensor b, Tensor out) {
        if (isFloat32(a, b, out)) {
            ReferenceGemm.checkMatmul(a, b, out);
            FloatGemm.matmul(floats(a), floats(b), floats(out), dim(a, 0), dim(a, 1), dim(b, 1));
        } else {
            ReferenceGemm.matmul(a, b, out);
        }
    }

    /** out[m×n] = aᵀ · b for a[k×m], b[k×n]. */
    public static void matmulTransA(Tensor a, Tensor b, Tensor out) {
        if (isFloat32(a, b, out)) {
            ReferenceGemm.checkMatmulTransA(a, b, out);
            FloatGemm.matmulTransA(floats(a), floats(b), floats(out), dim(a, 1), dim(a, 0), dim(b, 1));
        } else {
            ReferenceGemm.matmulTransA(a, b, out);
        }
    }

    /** out[m×n] = a · bᵀ for a[m×k], b[n×k]. */
    public static void matmulTransB(Tensor a, Tensor b, Tensor out) {
        if (isFloat32(a, b, out)) {
            ReferenceGemm.checkMatmulTransB(a, b, out);
            FloatGemm.matmulTransB(floats(a), floats(b), floats(out), dim(a, 0), dim(a, 1), dim(b, 0));
        } else {
            ReferenceGemm.matmulTransB(a, b, out);
        }
    }

    private static boolean isFloat32(Tensor a, Tensor b, Tensor out) {
        return a.dtype() == DType.FLOAT32 && b.dtype() == DType.FLOAT32 && out.dtype() == DType.FLOAT32;
    }

    private static float[] floats(Tensor t) {
        return ((Storage.Float32) t.storage()).array();
    }

    private static int dim(Tensor t, int axis) {
        return t.shape().dim(axis);
    }
}
