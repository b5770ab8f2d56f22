package dev.chainrule.autodiff.kernels;

/**
 * float32 matrix products on row-major arrays, written so that the JIT vectorises the innermost
 * loop (unit stride over the output row). Every output element accumulates its k products in
 * increasing order of k, in float: the result is the same bits on every run. Outputs are
 * overwritten, and must not alias the inputs.
 */
public final class FloatGemm {
    private FloatGemm() {
    }

    /** c[m×n] = a[m×k] · b[k×n]. */
    public static void matmul(float[] a, float[] b, float[] c, int m, int k, int n) {
        java.util.Arrays.fill(c, 0, m * n, 0f);
        for (int i = 0; i < m; i++) {
            int cRow = i * n;
            for (int p = 0; p < k; p++) {
                float aip = a[i * k + p];
                int bRow = p * n;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += aip * b[bRow + j];
                }
            }
        }
    }

    /** c[m×n] = aᵀ · b for a[k×m], b[k×n]. */
    public static void matmulTransA(float[] a, float[] b, float[] c, int m, int k, int n) {
        java.util.Arrays.fill(c, 0, m * n, 0f);
        for (int i = 0; i < m; i++) {
            int cRow = i * n;
            for (int p = 0; p < k; p++) {
                float api = a[p * m + i];
                int bRow = p * n;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += api * b[bRow + j];
                }
            }
        }
    }

    /** c[m×n] = a · bᵀ for a[m×k], b[n×k]; b is transposed once into scratch space first. */
    public static void matmulTransB(float[] a, float[] b, float[] c, int m, int k, int n) {
        float[] bt = new float[k * n];
        for (int j = 0; j < n; j++) {
            for (int p = 0; p < k; p++) {
                bt[p * n + j] = b[j * k + p];
            }
        }
        matmul(a, bt, c, m, k, n);
    }
}
