package dev.chainrule.bench;

import java.util.List;

/**
 * The table of {@link CoordinatorScalingBenchmark}: per number of simulated workers N, the coordinator's
 * milliseconds per step, per worker, the growth against N = 1, and its CPU per step, followed by the
 * targets: the project's at most {@link #MAX_MILLIS_AT_32} ms per step at N = 32 and growth no worse
 * than linear, checked for every doubling of N as ms(2N) <= {@link #DOUBLING_LIMIT} x ms(N) (linear is
 * 2; the rest is room for this machine's noise); and this 2-core machine's own, at most
 * {@link #MACHINE_MILLIS_AT_32} ms per step at N = 32 and {@link #MAX_CPU_MILLIS_AT_2} ms of the
 * coordinator's CPU per step at N = 2.
 */
final class ScalingTable {
    /** The step time allowed at N = 32. */
    static final double MAX_MILLIS_AT_32 = 10.0;
    /** The largest growth accepted when N doubles. */
    static final double DOUBLING_LIMIT = 2.2;
    /** The step time allowed at N = 32 on a 2-core machine that also runs the simulated workers. */
    static final double MACHINE_MILLIS_AT_32 = 40.0;
    /** The coordinator's CPU time allowed per step at N = 2. */
    static final double MAX_CPU_MILLIS_AT_2 = 2.0;

    /**
     * One N's figures.
     *
     * @param workers        N
     * @param millisPerStep  median milliseconds per step
     * @param p90Millis      90th percentile
     * @param cpuMillis      CPU milliseconds per step of the coordinator's JVM (every thread of it)
     * @param trainerCpuMillis CPU milliseconds per step of the training thread (sum, optimiser, weights messages)
     */
    record Row(int workers, double millisPerStep, double p90Millis, double cpuMillis, double trainerCpuMillis) {
    }

    private ScalingTable() {
    }

    /** The rows (N ascending, the first N = 1 for the growth column) as a table. */
    static String format(List<Row> rows) {
        double base = rows.stream().filter(r -> r.workers() == 1).mapToDouble(Row::millisPerStep).findFirst().orElse(Double.NaN);
        TextTable table = new TextTable("N", "ms/step", "p90 ms", "ms/step per worker", "growth vs N=1", "coordinator CPU ms/step",
                "trainer thread CPU ms/step");
        for (Row r : rows) {
            table.add(Integer.toString(r.workers()), DdpTable.number("%.2f", r.millisPerStep()), DdpTable.number("%.2f", r.p90Millis()),
                    DdpTable.number("%.3f", r.millisPerStep() / r.workers()), DdpTable.number("%.2fx", r.millisPerStep() / base),
                    DdpTable.number("%.2f", r.cpuMillis()), DdpTable.number("%.2f", r.trainerCpuMillis()));
        }
        return table.format();
    }

    /** The two targets with their verdicts (n/a when N = 32, or a doubling, was not measured). */
    static String targets(List<Row> rows) {
        TextTable table = new TextTable("target", "measured", "limit", "verdict");
        double at32 = rows.stream().filter(r -> r.workers() == 32).mapToDouble(Row::millisPerStep).findFirst().orElse(Double.NaN);
        Target stepTarget = new Target(MAX_MILLIS_AT_32, false, "<= 10.00 ms");
        table.add("ms/step at N = 32", DdpTable.number("%.2f", at32), stepTarget.text(), stepTarget.verdict(at32));
        double cpuAt2 = rows.stream().filter(r -> r.workers() == 2).mapToDouble(Row::cpuMillis).findFirst().orElse(Double.NaN);
        Target machineTarget = new Target(MACHINE_MILLIS_AT_32, false, "<= 40.00 ms (2 cores)");
        table.add("ms/step at N = 32, this machine", DdpTable.number("%.2f", at32), machineTarget.text(), machineTarget.verdict(at32));
        Target cpuTarget = new Target(MAX_CPU_MILLIS_AT_2, false, "<= 2.00 ms");
        table.add("coordinator CPU ms/step at N = 2", DdpTable.number("%.2f", cpuAt2), cpuTarget.text(), cpuTarget.verdict(cpuAt2));
        double worst = worstDoubling(rows);
        Target growth = new Target(DOUBLING_LIMIT, false, "<= 2.20x");
        table.add("worst growth per doubling of N", DdpTable.number("%.2fx", worst), growth.text(), growth.verdict(worst));
        return table.format();
    }

    /** The largest ms(2N) / ms(N) over the rows, NaN when no N and 2N were both measured. */
    static double worstDoubling(List<Row> rows) {
        double worst = Double.NaN;
        for (Row r : rows) {
            for (Row twice : rows) {
                if (twice.workers() == 2 * r.workers()) {
                    double growth = twice.millisPerStep() / r.millisPerStep();
                    worst = Double.isNaN(worst) ? growth : Math.max(worst, growth);
                }
            }
        }
        return worst;
    }
}
