package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The side-by-side table of {@link CompareBenchmark}: medians of both frameworks, their ratio
 * (Chainrule / PyTorch) and the project's performance target for that ratio, with a PASS / BELOW verdict.
 * PyTorch's best is taken over the measured thread counts and its default configuration
 * ({@link Config#DEFAULT_THREADS}); Chainrule's over the thread counts, for the bare MLP loop and for
 * whole {@code chainrule train} runs ({@link Metric#TRAIN_STEPS}).
 */
final class ComparisonTable {
    /** GEMM must reach this fraction of PyTorch's single-threaded GFLOP/s. */
    static final Target GEMM_TARGET = Target.ratioAtLeast(0.9);
    /** Steady-state allocation per training step counted as small: buffers reused, no tensor set per step. */
    static final Target ALLOCATION_TARGET = Target.bytesAtMost(64 * 1024, "<= 64 KiB");
    /** The MLP targets (best vs best) by batch size; batches not listed have none. */
    static final Map<Integer, Target> MLP_TARGETS = Map.of(32, Target.ratioAtLeast(1.3), 128, Target.ratioAtLeast(1.0),
            512, Target.ratioAtLeast(1.0));
    /** {@code chainrule train}'s best against PyTorch's best (its default included), at every batch size. */
    static final Target TRAIN_TARGET = Target.ratioAtLeast(1.5);

    private static final String NONE = "-";
    private static final List<String> HEADER = List.of("what", "Chainrule", "PyTorch", "ratio", "target", "verdict");

    /** One line of the table, as text. */
    record Row(String what, String chainrule, String pytorch, String ratio, String target, String verdict) {
        List<String> cells() {
            return List.of(what, chainrule, pytorch, ratio, target, verdict);
        }
    }

    private ComparisonTable() {
    }

    /** The rows for the given GEMM sizes, batch sizes and thread counts (which include 1). */
    static List<Row> rows(Measurements m, List<Integer> sizes, List<Integer> batches, List<Integer> threads) {
        List<Row> rows = new ArrayList<>();
        for (int n : sizes) {
            Config config = new Config(Metric.GEMM_GFLOPS, n, 1);
            rows.add(ratioRow("GEMM n=" + n + " GFLOP/s, 1 thread", m.median(Framework.CHAINRULE, config),
                    m.median(Framework.PYTORCH, config), "%.1f", GEMM_TARGET));
        }
        for (int b : batches) {
            Config config = new Config(Metric.MLP_STEPS, b, 1);
            rows.add(ratioRow("MLP batch " + b + " steps/s, 1 thread", m.median(Framework.CHAINRULE, config),
                    m.median(Framework.PYTORCH, config), "%.0f", null));
            Measurements.Best pytorch = m.best(Framework.PYTORCH, Metric.MLP_STEPS, b, withDefault(threads));
            rows.add(bestRow("MLP batch " + b + " steps/s, best of threads " + join(threads),
                    m.best(Framework.CHAINRULE, Metric.MLP_STEPS, b, threads), pytorch, MLP_TARGETS.get(b)));
            Measurements.Best train = m.best(Framework.CHAINRULE, Metric.TRAIN_STEPS, b, threads);
            if (!Double.isNaN(train.value())) {
                rows.add(bestRow("chainrule train batch " + b + " steps/s, best", train, pytorch, TRAIN_TARGET));
            }
        }
        for (int b : batches) {
            for (int t : threads) {
                OptionalDouble bytes = m.median(Framework.CHAINRULE, new Config(Metric.MLP_BYTES, b, t));
                double value = bytes.orElse(Double.NaN);
                rows.add(new Row("MLP batch " + b + " bytes/step allocated, " + t + " thread" + (t == 1 ? "" : "s"),
                        number("%,.0f", value), NONE, NONE, ALLOCATION_TARGET.text(), ALLOCATION_TARGET.verdict(value)));
            }
        }
        return rows;
    }

    /** The thread counts and PyTorch's default configuration. */
    static List<Integer> withDefault(List<Integer> threads) {
        List<Integer> all = new ArrayList<>(threads);
        all.add(Config.DEFAULT_THREADS);
        return all;
    }

    private static Row bestRow(String what, Measurements.Best chainrule, Measurements.Best pytorch, Target target) {
        double ratio = chainrule.value() / pytorch.value();
        return new Row(what, best(chainrule), best(pytorch), number("%.2f", ratio), target == null ? NONE : target.text(),
                target == null ? NONE : target.verdict(ratio));
    }

    private static Row ratioRow(String what, OptionalDouble chainrule, OptionalDouble pytorch, String format, Target target) {
        double c = chainrule.orElse(Double.NaN);
        double p = pytorch.orElse(Double.NaN);
        double ratio = c / p;
        return new Row(what, number(format, c), number(format, p), number("%.2f", ratio),
                target == null ? NONE : target.text(), target == null ? NONE : target.verdict(ratio));
    }

    private static String best(Measurements.Best best) {
        if (Double.isNaN(best.value())) {
            return "n/a";
        }
        return number("%.0f", best.value()) + (best.threads() == Config.DEFAULT_THREADS ? " (default)" : " (" + best.threads() + "t)");
    }

    private static String number(String format, double value) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, format, value);
    }

    private static String join(List<Integer> values) {
        return String.join(",", values.stream().map(String::valueOf).toList());
    }

    /** The rows under a header, the first column left-aligned and the others right-aligned, each line ending in a newline. */
    static String format(List<Row> rows) {
        TextTable table = new TextTable(HEADER.toArray(String[]::new));
        rows.forEach(row -> table.add(row.cells().toArray(String[]::new)));
        return table.format();
    }
}
