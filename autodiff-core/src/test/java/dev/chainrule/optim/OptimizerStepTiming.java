package dev.chainrule.optim;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Not a test: a timing of one optimiser step per kind on the parameters of the 784-256-128-10 MLP
 * (235,146 floats), float32, with the gradient sums of a batch of 32 divided by 32 inside the step;
 * and, for scale, a pass of {@code (float) Math.sqrt(x)} against a pass of {@code x * c} over as many
 * floats. Run with the test class path:
 * {@code java -cp ... dev.chainrule.optim.OptimizerStepTiming [rounds] [steps per window]}.
 * Windows of all cases alternate; the table shows medians.
 */
public final class OptimizerStepTiming {
    private static final int[][] SHAPES = {{256, 784}, {256}, {128, 256}, {128}, {10, 128}, {10}};
    private static final float BATCH = 32;

    private OptimizerStepTiming() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String[] kinds = {"sgd", "momentum", "adam"};
        double[] decays = {0, 1e-4};
        List<Case> cases = new ArrayList<>();
        for (String kind : kinds) {
            for (double decay : decays) {
                cases.add(new Case(kind, decay));
            }
        }
        double[][] times = new double[cases.size()][rounds];
        double[][] passes = new double[2][rounds];
        for (Case c : cases) {
            c.window(steps * 5); // warm-up
        }
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < cases.size(); k++) {
                times[k][r] = cases.get(k).window(steps);
            }
            passes[0][r] = pass(steps, true);
            passes[1][r] = pass(steps, false);
        }
        long elements = 0;
        for (int[] s : SHAPES) {
            elements += Arrays.stream(s).reduce(1, (a, b) -> a * b);
        }
        System.out.printf("%-10s %-8s %14s %12s%n", "kind", "decay", "µs/step", "ns/element");
        for (int k = 0; k < cases.size(); k++) {
            double[] t = times[k].clone();
            Arrays.sort(t);
            double micros = t[t.length / 2] / 1e3;
            System.out.printf("%-10s %-8s %14.1f %12.3f%n", cases.get(k).kind, cases.get(k).decay, micros,
                    micros * 1e3 / elements);
        }
        String[] names = {"sqrt pass", "mul pass"};
        for (int k = 0; k < 2; k++) {
            double[] t = passes[k].clone();
            Arrays.sort(t);
            double micros = t[t.length / 2] / 1e3;
            System.out.printf("%-10s %-8s %14.1f %12.3f%n", names[k], "-", micros, micros * 1e3 / elements);
        }
    }

    private static final FloatBuffer X = ((Storage.Float32) Tensor.uniform(DType.FLOAT32, 9, 0, 4, 235_146).storage()).buffer();
    private static final FloatBuffer Y = ((Storage.Float32) Tensor.zeros(DType.FLOAT32, 235_146).storage()).buffer();

    /** Nanoseconds per pass of {@code y = (float) Math.sqrt(x)} (or {@code y = x * 0.5f}) over 235,146 floats. */
    private static double pass(int passes, boolean sqrt) {
        long start = System.nanoTime();
        for (int p = 0; p < passes; p++) {
            for (int i = 0, n = X.capacity(); i < n; i++) {
                Y.put(i, sqrt ? (float) Math.sqrt(X.get(i)) : X.get(i) * 0.5f);
            }
        }
        return (System.nanoTime() - start) / (double) passes;
    }

    /** One optimiser with its parameters and a fixed set of gradient sums. */
    private static final class Case {
        final String kind;
        final double decay;
        final Optimizer optimizer;
        final List<Tensor> parameters = new ArrayList<>();
        final List<Tensor> sums = new ArrayList<>();

        Case(String kind, double decay) {
            this.kind = kind;
            this.decay = decay;
            this.optimizer = Optimizers.create(kind, OptimizerSettings.defaults().withWeightDecay(decay));
            int seed = 1;
            for (int[] shape : SHAPES) {
                parameters.add(Tensor.randn(DType.FLOAT32, seed++, shape).named("p" + seed));
                sums.add(Tensor.randn(DType.FLOAT32, seed++, shape));
            }
        }

        /** Nanoseconds per step (gradient mean and update) over {@code steps} steps. */
        double window(int steps) {
            long start = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                optimizer.step(parameters, sums, BATCH, 1e-6);
            }
            return (System.nanoTime() - start) / (double) steps;
        }
    }
}
