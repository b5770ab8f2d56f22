package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chainrule's steps/s at every thread count, for the bare MLP loop and for whole {@code chainrule
 * train} runs, and the most threads' figure over one thread's, against the project's scaling targets
 * (the bare loop's; the same shards at every count, so the same bits).
 */
final class ThreadScalingTable {
    /** The most threads over one thread, by batch size (for two threads on two cores). */
    static final Map<Integer, Target> TARGETS = Map.of(32, Target.ratioAtLeast(1.5), 128, Target.ratioAtLeast(1.8),
            512, Target.ratioAtLeast(1.8));

    private ThreadScalingTable() {
    }

    /** A row per batch size and metric measured; the thread counts include 1. */
    static String format(Measurements m, List<Integer> batches, List<Integer> threads) {
        List<String> header = new ArrayList<>(List.of("what"));
        threads.forEach(t -> header.add(t + (t == 1 ? " thread" : " threads")));
        int most = threads.stream().mapToInt(Integer::intValue).max().orElse(1);
        header.addAll(List.of(most + "t/1t", "target", "verdict"));
        TextTable table = new TextTable(header.toArray(String[]::new));
        for (Metric metric : List.of(Metric.MLP_STEPS, Metric.TRAIN_STEPS)) {
            for (int b : batches) {
                if (m.median(Framework.CHAINRULE, new Config(metric, b, 1)).isEmpty()) {
                    continue;
                }
                List<String> row = new ArrayList<>(List.of((metric == Metric.MLP_STEPS ? "MLP" : "chainrule train") + " batch " + b
                        + " steps/s"));
                threads.forEach(t -> row.add(String.format(Locale.ROOT, "%.0f", steps(m, metric, b, t))));
                double ratio = steps(m, metric, b, most) / steps(m, metric, b, 1);
                Target target = metric == Metric.MLP_STEPS ? TARGETS.get(b) : null;
                row.add(String.format(Locale.ROOT, "%.2f", ratio));
                row.add(target == null ? "-" : target.text());
                row.add(target == null ? "-" : target.verdict(ratio));
                table.add(row.toArray(String[]::new));
            }
        }
        return table.format();
    }

    private static double steps(Measurements m, Metric metric, int batch, int threads) {
        return m.median(Framework.CHAINRULE, new Config(metric, batch, threads)).orElse(Double.NaN);
    }
}
