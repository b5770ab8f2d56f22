package dev.chainrule.bench;

import java.util.List;
import java.util.Locale;

/** The portable kernel's figures against the native kernel's, one thread, as a text table: what bits that do not depend on the CPU cost. */
final class KernelCostTable {
    private KernelCostTable() {
    }

    /** A row per GEMM size and MLP batch: the two medians and portable / native. */
    static String format(Measurements m, List<Integer> sizes, List<Integer> batches) {
        TextTable table = new TextTable("what", "portable", "native", "portable/native");
        for (int n : sizes) {
            add(table, m, "GEMM n=" + n + " GFLOP/s", new Config(Metric.GEMM_GFLOPS, n, 1), "%.1f");
        }
        for (int b : batches) {
            add(table, m, "MLP batch " + b + " steps/s", new Config(Metric.MLP_STEPS, b, 1), "%.0f");
        }
        return table.format();
    }

    private static void add(TextTable table, Measurements m, String what, Config config, String format) {
        double portable = m.median(Framework.CHAINRULE, config).orElse(Double.NaN);
        double nativeKernel = m.median(Framework.CHAINRULE_NATIVE_KERNEL, config).orElse(Double.NaN);
        table.add(what, String.format(Locale.ROOT, format, portable), String.format(Locale.ROOT, format, nativeKernel),
                String.format(Locale.ROOT, "%.2f", portable / nativeKernel));
    }
}
