package dev.chainrule.autodiff.kernels;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * float32 matrix products by OpenBLAS's {@code cblas_sgemm} on direct buffers (no copies), loaded
 * once through the JavaCPP presets, whose artifacts carry the native library. {@link #available()}
 * is false where the library cannot load (another platform); {@link Gemm} then uses
 * {@link ReferenceGemm}. The thread count follows {@link IntraOpThreads}.
 */
final class OpenBlas {
    private static final Throwable LOAD_FAILURE = load();
    private static volatile int threads = -1;

    private OpenBlas() {
    }

    private static Throwable load() {
        try {
            Loader.load(openblas_nolapack.class);
            return null;
        } catch (Throwable e) { // UnsatisfiedLinkError, or NoClassDefFoundError without the native jar
            return e;
        }
    }

    static boolean available() {
        return LOAD_FAILURE == null;
    }

    static String unavailableReason() {
        return LOAD_FAILURE == null ? "" : LOAD_FAILURE.toString();
    }

    private static synchronized void applyThreads(int count) {
        if (count != threads) {
            openblas_nolapack.blas_set_num_threads(count);
            threads = count;
        }
    }

    /**
     * c[m×n] = op(a)·op(b) + beta·c, row-major, where op transposes when asked; a is m×k
     * (k×m when transposed), b is k×n (n×k when transposed).
     */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, FloatBuffer a, FloatBuffer b, float beta,
            FloatBuffer c) {
        int wanted = IntraOpThreads.get();
        if (wanted != threads) {
            applyThreads(wanted);
        }
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, 1f, a, transA ? m : k, b, transB ? k : n, beta, c, n);
    }
}
