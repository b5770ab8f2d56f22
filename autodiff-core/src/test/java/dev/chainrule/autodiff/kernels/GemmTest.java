package dev.chainrule.autodiff.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The float32 kernels agree with the float64 reference kernel on random and awkward shapes. */
class GemmTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(1, 1, 1), Arguments.of(1, 7, 1), Arguments.of(3, 5, 7), Arguments.of(13, 17, 19),
                Arguments.of(64, 1, 3), Arguments.of(1, 64, 33), Arguments.of(129, 31, 2), Arguments.of(2, 31, 129),
                Arguments.of(37, 61, 41), Arguments.of(128, 784, 16), Arguments.of(0, 3, 4), Arguments.of(3, 0, 4));
    }

    @ParameterizedTest(name = "m={0} k={1} n={2}")
    @MethodSource("shapes")
    void float32KernelsMatchTheReference(int m, int k, int n) {
        Tensor a = Tensor.uniform(DType.FLOAT32, m * 1000L + k, -1, 1, m, k);
        Tensor b = Tensor.uniform(DType.FLOAT32, n * 1000L + k + 1, -1, 1, k, n);
        Tensor at = Tensor.uniform(DType.FLOAT32, m + 7L, -1, 1, k, m);
        Tensor bt = Tensor.uniform(DType.FLOAT32, n + 9L, -1, 1, n, k);

        assertClose(reference(a, b, ReferenceGemm::matmul, m, n), fast(a, b, Gemm::matmul, m, n), k);
        assertClose(reference(at, b, ReferenceGemm::matmulTransA, m, n), fast(at, b, Gemm::matmulTransA, m, n), k);
        assertClose(reference(a, bt, ReferenceGemm::matmulTransB, m, n), fast(a, bt, Gemm::matmulTransB, m, n), k);
    }

    @Test
    void openBlasRunsOnThisPlatform() {
        assertTrue(Gemm.native32(), "OpenBLAS did not load: " + OpenBlas.unavailableReason());
    }

    static Stream<Arguments> largeShapes() {
        return Stream.of(Arguments.of(32, 784, 256), Arguments.of(256, 32, 784), Arguments.of(127, 257, 129),
                Arguments.of(512, 512, 512), Arguments.of(1, 1024, 1), Arguments.of(1000, 3, 1000));
    }

    @ParameterizedTest(name = "m={0} k={1} n={2}")
    @MethodSource("largeShapes")
    void largeProductsMatchTheReferenceAndRepeatTheirBits(int m, int k, int n) {
        Tensor a = Tensor.uniform(DType.FLOAT32, m + 3L * k, -1, 1, m, k);
        Tensor b = Tensor.uniform(DType.FLOAT32, n + 5L * k, -1, 1, k, n);
        Tensor expected = reference(a, b, ReferenceGemm::matmul, m, n);
        Tensor first = fast(a, b, Gemm::matmul, m, n);
        assertClose(expected, first, k);
        for (int repeat = 0; repeat < 3; repeat++) {
            assertArrayEquals(first.toFloatArray(), fast(a, b, Gemm::matmul, m, n).toFloatArray(), "repeat " + repeat);
        }
    }

    @Test
    void productsOnSeveralThreadsAtOnceGiveTheBitsOfOne() throws Exception {
        Tensor a = Tensor.uniform(DType.FLOAT32, 11, -1, 1, 128, 784);
        Tensor b = Tensor.uniform(DType.FLOAT32, 13, -1, 1, 784, 256);
        float[] alone = fast(a, b, Gemm::matmul, 128, 256).toFloatArray();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                results.add(pool.submit(() -> fast(a, b, Gemm::matmul, 128, 256).toFloatArray()));
            }
            for (Future<float[]> result : results) {
                assertArrayEquals(alone, result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void knownProduct() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        Tensor c = Tensor.zeros(DType.FLOAT32, 2, 2);
        Gemm.matmul(a, b, c);
        assertArrayEquals(new float[] {58, 64, 139, 154}, c.toFloatArray());
    }

    @Test
    void outputIsOverwrittenNotAccumulated() {
        Tensor a = Tensor.ones(DType.FLOAT32, 2, 2);
        Tensor c = Tensor.full(DType.FLOAT32, 100, a.shape());
        Gemm.matmul(a, a, c);
        assertArrayEquals(new float[] {2, 2, 2, 2}, c.toFloatArray());
    }

    @Test
    void shapesAndAliasingAreCheckedFirst() {
        Tensor a = Tensor.ones(DType.FLOAT32, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.matmul(a, a, Tensor.zeros(DType.FLOAT32, 2, 3)));
        assertEquals("matmul: inner dimensions differ in [2, 3] and [2, 3]", e.getMessage());
        Tensor sq = Tensor.ones(DType.FLOAT32, 2, 2);
        assertThrows(IllegalArgumentException.class, () -> Gemm.matmul(sq, sq, sq));
        assertThrows(IllegalArgumentException.class, () -> Gemm.matmulTransB(a, a, Tensor.zeros(DType.FLOAT32, 3, 3)));
    }

    @Test
    void sameInputsGiveTheSameBits() {
        Tensor a = Tensor.randn(DType.FLOAT32, 1, 57, 91);
        Tensor b = Tensor.randn(DType.FLOAT32, 2, 91, 33);
        assertArrayEquals(fast(a, b, Gemm::matmul, 57, 33).toFloatArray(), fast(a, b, Gemm::matmul, 57, 33).toFloatArray());
    }

    /** A kernel writing into its third argument. */
    private interface Kernel {
        void run(Tensor a, Tensor b, Tensor out);
    }

    private static Tensor reference(Tensor a, Tensor b, Kernel kernel, int m, int n) {
        Tensor out = Tensor.zeros(DType.FLOAT64, m, n);
        kernel.run(a.to(DType.FLOAT64), b.to(DType.FLOAT64), out);
        return out;
    }

    private static Tensor fast(Tensor a, Tensor b, Kernel kernel, int m, int n) {
        Tensor out = Tensor.zeros(DType.FLOAT32, m, n);
        kernel.run(a, b, out);
        return out;
    }

    /** float32 accumulation of k products of magnitude ≤ 1: error grows at most like k·2^-24. */
    private static void assertClose(Tensor expected, Tensor actual, int k) {
        assertEquals(expected.shape(), actual.shape());
        double tolerance = 1e-6 * Math.max(1, k);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.getFlat(i), actual.getFlat(i), tolerance, "element " + i);
        }
    }
}
