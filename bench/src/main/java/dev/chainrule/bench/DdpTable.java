package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tables of {@link CompareDdpBenchmark}: each side's medians, then the ratios and figures that
 * the project's communication targets apply to, with PASS, BELOW (an at-least target missed) or ABOVE (an at-most target
 * missed).
 */
final class DdpTable {
    /** Chainrule's {@code --workers 2} must reach this multiple of PyTorch DDP's samples/s. */
    static final Target DDP_RATIO_TARGET = Target.ratioAtLeast(1.5);
    /** The partitions issue's target for {@code train --workers 2} against DDP on this machine. */
    static final Target PARTITIONED_DDP_TARGET = Target.ratioAtLeast(1.0);
    /** Synchronisation per step, in milliseconds, for the model's 0.94 MB of gradients. */
    static final Target SYNC_TARGET = new Target(1.0, false, "<= 1.00 ms");
    /** {@code --workers 2} must be faster than the single-process trainer at the same global batch. */
    static final Target WORKERS_TARGET = new Target(1.0, true, "> 1.00");

    /**
     * One side's medians.
     *
     * @param what                what ran
     * @param samplesPerSecond    steady-state global samples per second
     * @param stepMillis          steady-state milliseconds per step
     * @param computeMillis       compute milliseconds per step (NaN when not measured)
     * @param syncMillis          synchronisation milliseconds per step (NaN for a single process)
     * @param runSamplesPerSecond the whole run's samples/s as the trainer reports it (NaN for PyTorch)
     * @param sessionCommMillis   the workers' communication per step over their whole sessions (NaN when none)
     */
    record Side(String what, double samplesPerSecond, double stepMillis, double computeMillis, double syncMillis,
            double runSamplesPerSecond, double sessionCommMillis) {
    }

    private DdpTable() {
    }

    /** The sides' figures. */
    static String sides(List<Side> sides) {
        TextTable table = new TextTable("side", "samples/s", "ms/step", "compute ms", "sync ms", "whole-run samples/s",
                "session comm ms/step");
        for (Side s : sides) {
            table.add(s.what(), number("%,.0f", s.samplesPerSecond()), number("%.2f", s.stepMillis()), number("%.2f", s.computeMillis()),
                    number("%.2f", s.syncMillis()), number("%,.0f", s.runSamplesPerSecond()), number("%.2f", s.sessionCommMillis()));
        }
        return table.format();
    }

    /**
     * The targets for one optimiser: Chainrule's workers against DDP (samples/s ratio), the workers'
     * synchronisation per step, and workers against the single process (null when not measured).
     */
    static List<String[]> targets(String optimizer, Side ddp, Side workers, Side single) {
        List<String[]> rows = new ArrayList<>();
        double ratio = workers.samplesPerSecond() / ddp.samplesPerSecond();
        rows.add(row("Chainrule workers / DDP samples/s (" + optimizer + ")", number("%.2f", ratio), DDP_RATIO_TARGET, ratio));
        rows.add(row("Chainrule workers sync ms/step (" + optimizer + ")", number("%.2f", workers.syncMillis()), SYNC_TARGET,
                workers.syncMillis()));
        rows.add(new String[] {"DDP sync ms/step (" + optimizer + "), for reference", number("%.2f", ddp.syncMillis()), "-", "-"});
        if (single != null) {
            double speedup = workers.samplesPerSecond() / single.samplesPerSecond();
            rows.add(row("Chainrule workers / single process samples/s (" + optimizer + ")", number("%.2f", speedup), WORKERS_TARGET,
                    speedup));
        }
        return rows;
    }

    /** The row of Chainrule with partitions in its workers against DDP's samples/s. */
    static String[] partitionedTarget(String optimizer, Side ddp, Side partitioned) {
        double ratio = partitioned.samplesPerSecond() / ddp.samplesPerSecond();
        return row("Chainrule workers with partitions / DDP samples/s (" + optimizer + ")", number("%.2f", ratio), PARTITIONED_DDP_TARGET,
                ratio);
    }

    /** The target rows under a header. */
    static String format(List<String[]> targetRows) {
        TextTable table = new TextTable("figure", "measured", "target", "verdict");
        targetRows.forEach(table::add);
        return table.format();
    }

    private static String[] row(String what, String measured, Target target, double value) {
        // "workers faster than single" is strict: equal throughput is not faster
        String verdict = target == WORKERS_TARGET && value == 1.0 ? "BELOW" : target.verdict(value);
        return new String[] {what, measured, target.text(), verdict};
    }

    static String number(String format, double value) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, format, value);
    }
}
