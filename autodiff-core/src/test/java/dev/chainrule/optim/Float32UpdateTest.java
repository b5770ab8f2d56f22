package dev.chainrule.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The fused float32 loops against a plain scalar reference of torch's arithmetic as this package
 * wrote it element by element on doubles (every stored result rounded to float, {@code add(alpha)}
 * and {@code addcmul} as one fma, the gradient first divided by the batch size in a pass of its
 * own): parameters and buffers must agree bit for bit after every step, for every kind, with and
 * without weight decay, for divisors 1, 32 (a power of two) and 3, on sizes that are not multiples
 * of any vector width, with gradients spanning many magnitudes, zeros of both signs and subnormals.
 */
class Float32UpdateTest {
    private static final int[] SIZES = {0, 1, 7, 33, 1031};
    private static final int STEPS = 6;
    private static final OptimizerSettings SETTINGS = new OptimizerSettings(0.85, 0.8, 0.95, 1e-3, 0.0);

    @TestFactory
    Stream<DynamicTest> fusedLoopsMatchTheScalarReferenceBitForBit() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String kind : Optimizers.KINDS) {
            for (double weightDecay : new double[] {0, 0.01}) {
                for (float divisor : new float[] {1, 32, 3}) {
                    String name = kind + ", weight decay " + weightDecay + ", divisor " + divisor;
                    tests.add(dynamicTest(name, () -> compare(name, kind, SETTINGS.withWeightDecay(weightDecay), divisor)));
                }
            }
        }
        return tests.stream();
    }

    private static void compare(String what, String kind, OptimizerSettings settings, float divisor) {
        SplittableRandom random = new SplittableRandom(kind.hashCode() * 31L + Float.floatToIntBits(divisor));
        List<Tensor> params = new ArrayList<>();
        List<Reference> references = new ArrayList<>();
        for (int size : SIZES) {
            float[] w = values(random, size);
            params.add(Tensor.of(w, size).named("p" + size));
            references.add(new Reference(kind, settings, w));
        }
        Optimizer optimizer = Optimizers.create(kind, settings);
        for (int step = 1; step <= STEPS; step++) {
            double rate = 0.05 / step;
            List<Tensor> sums = new ArrayList<>();
            for (int p = 0; p < SIZES.length; p++) {
                float[] sum = values(random, SIZES[p]);
                sums.add(Tensor.of(sum, SIZES[p]));
                references.get(p).step(sum, divisor, rate, step);
            }
            optimizer.step(params, sums, divisor, rate);
            Map<String, Tensor> state = optimizer.exportState().buffers();
            for (int p = 0; p < SIZES.length; p++) {
                String at = what + ", step " + step + ", " + params.get(p).name();
                Reference reference = references.get(p);
                assertBits(reference.w, params.get(p), at);
                for (Map.Entry<String, double[]> buffer : reference.buffers().entrySet()) {
                    String key = params.get(p).name() + "." + buffer.getKey();
                    assertBits(buffer.getValue(), state.get(key), what + ", step " + step + ", " + key);
                }
            }
        }
    }

    /** Floats from 1e-40 (subnormal) to 1e4 in magnitude, of either sign, with some zeros of both signs. */
    private static float[] values(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(20);
            v[i] = switch (kind) {
                case 0 -> 0f;
                case 1 -> -0f;
                case 2 -> (random.nextBoolean() ? 1 : -1) * Float.MIN_VALUE * random.nextInt(1, 1000);
                default -> (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-12, 5)));
            };
        }
        return v;
    }

    private static void assertBits(double[] expected, Tensor actual, String what) {
        float[] got = actual.toFloatArray();
        assertEquals(expected.length, got.length, what + ": size");
        for (int i = 0; i < got.length; i++) {
            int want = Float.floatToRawIntBits((float) expected[i]);
            if (want != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + "[" + i + "]: " + got[i] + " (expected: " + (float) expected[i]
                        + ", bits " + Integer.toHexString(want) + ", got " + Integer.toHexString(Float.floatToRawIntBits(got[i]))
                        + ")");
            }
        }
    }

    /**
     * One float32 parameter updated as torch 1.13 does, on doubles holding floats: {@link #round}
     * after every stored result, {@link #fma} for {@code add(alpha)} and {@code addcmul}.
     */
    private static final class Reference {
        final String kind;
        final OptimizerSettings settings;
        final double[] w;
        double[] buf;
        double[] m;
        double[] v;

        Reference(String kind, OptimizerSettings settings, float[] w) {
            this.kind = kind;
            this.settings = settings;
            this.w = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                this.w[i] = w[i];
            }
        }

        static double round(double x) {
            return (float) x;
        }

        static double fma(double a, double b, double c) {
            return Math.fma((float) a, (float) b, (float) c);
        }

        Map<String, double[]> buffers() {
            return switch (kind) {
                case "momentum" -> Map.of(MomentumSgd.BUFFER, buf);
                case "adam" -> Map.of(Adam.EXP_AVG, m, Adam.EXP_AVG_SQ, v);
                default -> Map.of();
            };
        }

        void step(float[] sums, float divisor, double rate, long step) {
            int n = w.length;
            // the mean gradient, stored, then torch's weight decay: d_p = d_p.add(p, alpha=weight_decay)
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = round(sums[i] / (double) divisor);
                if (settings.weightDecay() != 0) {
                    d[i] = fma(round(settings.weightDecay()), w[i], d[i]);
                }
            }
            switch (kind) {
                case "sgd" -> {
                    for (int i = 0; i < n; i++) {
                        w[i] = fma(round(-rate), d[i], w[i]);
                    }
                }
                case "momentum" -> {
                    if (buf == null) {
                        buf = d.clone();
                    } else {
                        for (int i = 0; i < n; i++) {
                            buf[i] = round(round(round(settings.momentum()) * buf[i]) + d[i]);
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        w[i] = fma(round(-rate), buf[i], w[i]);
                    }
                }
                case "adam" -> adam(d, rate, step);
                default -> throw new IllegalArgumentException(kind);
            }
        }

        private void adam(double[] d, double rate, long step) {
            int n = w.length;
            if (m == null) {
                m = new double[n];
                v = new double[n];
            }
            double beta1 = settings.beta1();
            double beta2 = settings.beta2();
            double biasCorrection1 = 1 - StrictMath.pow(beta1, step);
            double biasCorrection2 = 1 - StrictMath.pow(beta2, step);
            double stepSize = rate / biasCorrection1;
            double bc2Sqrt = round(Math.sqrt(biasCorrection2));
            for (int i = 0; i < n; i++) {
                m[i] = fma(round(1 - beta1), d[i], round(round(beta1) * m[i]));
                v[i] = fma(round(round(1 - beta2) * d[i]), d[i], round(round(beta2) * v[i]));
                double denom = round(round(round(Math.sqrt(v[i])) / bc2Sqrt) + round(settings.eps()));
                double delta = round(round(round(-stepSize) * m[i]) / denom);
                w[i] = fma(1.0, delta, w[i]);
            }
        }
    }

    // ---- the divisor ------------------------------------------------------------------------------

    @Test
    void float64GradientSumsAreDividedToo() {
        for (String kind : Optimizers.KINDS) {
            Tensor divided = Tensor.of(new double[] {1, -2, 3}, 3).named("w");
            Tensor fused = Tensor.of(new double[] {1, -2, 3}, 3).named("w");
            Optimizer a = Optimizers.create(kind, SETTINGS.withWeightDecay(0.1));
            Optimizer b = Optimizers.create(kind, SETTINGS.withWeightDecay(0.1));
            for (int step = 0; step < 3; step++) {
                double[] sums = {0.3 * step, -7, 1e-3};
                double[] means = new double[3];
                for (int i = 0; i < 3; i++) {
                    means[i] = sums[i] / 3;
                }
                a.step(List.of(divided), List.of(Tensor.of(means, 3)), 0.1);
                b.step(List.of(fused), List.of(Tensor.of(sums, 3)), 3, 0.1);
            }
            assertArrayEquals(divided.toDoubleArray(), fused.toDoubleArray(), 0, kind);
        }
    }

    @Test
    void aDivisorThatIsNotPositiveAndFiniteIsRejected() {
        Tensor w = Tensor.zeros(DType.FLOAT32, 2).named("w");
        Optimizer sgd = Optimizers.create("sgd", SETTINGS);
        for (float divisor : new float[] {0, -1, Float.NaN, Float.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sgd.step(List.of(w), List.of(Tensor.ones(DType.FLOAT32, 2)), divisor, 0.1));
            assertEquals("divisor : " + divisor + " (expected: finite and > 0)", e.getMessage());
        }
    }
}
