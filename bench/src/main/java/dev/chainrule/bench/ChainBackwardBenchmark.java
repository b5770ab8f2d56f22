package dev.chainrule.bench;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.ops.Ops;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Measures the cost of reverse mode against the forward pass that recorded the graph, on long
 * chains of scalar ops, and prints a table of medians and the backward/forward ratio.
 *
 * <p>Usage: {@code ChainBackwardBenchmark [chainLength] [repetitions]} (defaults 10000 and 200).
 */
public final class ChainBackwardBenchmark {
    private ChainBackwardBenchmark() {
    }

    /** A named way to extend a chain by one op. */
    private record Step(String name, UnaryOperator<Tensor> op) {
    }

    public static void main(String[] args) {
        int length = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Tensor c = Tensor.scalar(1.0000001);
        Step[] steps = {
            new Step("mul by constant", y -> Ops.mul(y, c)),
            new Step("add constant", y -> Ops.add(y, c)),
            new Step("sin", Ops::sin),
            new Step("mixed mul/sin/add/tanh", new UnaryOperator<>() {
                private int i;

                @Override
                public Tensor apply(Tensor y) {
                    return switch (i++ % 4) {
                        case 0 -> Ops.mul(y, c);
                        case 1 -> Ops.sin(y);
                        case 2 -> Ops.add(y, c);
                        default -> Ops.tanh(y);
                    };
                }
            })
        };
        System.out.printf("Reverse mode on a chain of %d scalar ops, median of %d runs after warm-up%n", length, repetitions);
        System.out.printf("%-24s %14s %14s %18s%n", "chain", "forward (ms)", "backward (ms)", "backward/forward");
        for (Step step : steps) {
            double[][] times = measure(step.op(), length, repetitions);
            double forward = median(times[0]);
            double backward = median(times[1]);
            System.out.printf("%-24s %14.3f %14.3f %18.2f%n", step.name(), forward, backward, backward / forward);
        }
    }

    private static double[][] measure(UnaryOperator<Tensor> op, int length, int repetitions) {
        for (int i = 0; i < Math.max(20, repetitions / 4); i++) {
            run(op, length);
        }
        double[][] times = new double[2][repetitions];
        for (int r = 0; r < repetitions; r++) {
            double[] t = run(op, length);
            times[0][r] = t[0];
            times[1][r] = t[1];
        }
        return times;
    }

    /** One forward pass building the chain and one backward pass; their times in milliseconds. */
    private static double[] run(UnaryOperator<Tensor> op, int length) {
        Tensor x = Tensor.scalar(0.5).requiresGrad(true);
        long start = System.nanoTime();
        Tensor y = x;
        for (int i = 0; i < length; i++) {
            y = op.apply(y);
        }
        long mid = System.nanoTime();
        y.backward();
        long end = System.nanoTime();
        if (!Double.isFinite(x.grad().item())) {
            throw new IllegalStateException("non-finite gradient");
        }
        return new double[] {(mid - start) / 1e6, (end - mid) / 1e6};
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
