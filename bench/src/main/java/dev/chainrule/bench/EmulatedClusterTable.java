package dev.chainrule.bench;

import static dev.chainrule.bench.DdpTable.number;

import java.util.ArrayList;
import java.util.List;

/**
 * The tables of bench/emulated-cluster: every configuration's figures with its traffic against a ring
 * all-reduce's and its samples/s against PyTorch DDP's, then the targets and the rows they apply to.
 * Bytes are MB (10^6 bytes) per step, sent (tx) and received (rx) apart, as the node's interface counts
 * them (Ethernet frames).
 */
final class EmulatedClusterTable {
    private EmulatedClusterTable() {
    }

    /** One line per configuration. */
    static String rows(List<ClusterRow> rows) {
        TextTable table = new TextTable("rate", "N", "model", "side", "compression", "samples/s", "ms/step", "busiest node",
                "its tx MB", "its rx MB", "worker tx MB", "worker rx MB", "ring MB", "busiest/ring", "x DDP");
        for (ClusterRow r : rows) {
            String[] what = {r.rate(), Integer.toString(r.workers()), r.model().toString(), r.side().label(), r.compression()};
            if (r.figures() == null) {
                table.add(concat(what, "failed", "-", "-", "-", "-", "-", "-", megabytes(r.ringBytes()), "-", "-"));
                continue;
            }
            NodeTraffic busiest = r.figures().busiest();
            NodeTraffic workers = r.figures().workerMean();
            table.add(concat(what, number("%,.0f", r.figures().samplesPerSecond()), number("%.2f", r.figures().stepMillis()),
                    busiest.node(), megabytes(busiest.txPerStep()), megabytes(busiest.rxPerStep()), megabytes(workers.txPerStep()),
                    megabytes(workers.rxPerStep()), megabytes(r.ringBytes()), number("%.2f", r.ringRatio()),
                    number("%.2f", r.ddpRatio(rows))));
        }
        return table.format();
    }

    /**
     * The targets of {@link ClusterTargets#PARTITIONS_IN_WORKERS} with a verdict for each row they apply to, or
     * "no rows yet" while no placement of {@link ClusterSide} has them.
     */
    static String targets(List<ClusterRow> rows) {
        TextTable table = new TextTable("placement", "compression", "figure", "target", "configuration", "measured", "verdict");
        for (ClusterTargets.Goal goal : ClusterTargets.PARTITIONS_IN_WORKERS) {
            List<ClusterRow> matching = rows.stream()
                    .filter(r -> r.side().targets() == ClusterTargets.PARTITIONS_IN_WORKERS && r.compression().equals(goal.compression()))
                    .toList();
            addGoal(table, goal, "samples/s / DDP's", goal.vsDdp(), matching, r -> r.ddpRatio(rows));
            if (goal.vsRing() != null) {
                addGoal(table, goal, "busiest node bytes/step / ring's", goal.vsRing(), matching, ClusterRow::ringRatio);
            }
        }
        return table.format();
    }

    private static void addGoal(TextTable table, ClusterTargets.Goal goal, String figure, Target target, List<ClusterRow> matching,
            java.util.function.ToDoubleFunction<ClusterRow> measure) {
        if (matching.isEmpty()) {
            table.add(ClusterTargets.PARTITIONS_LABEL, goal.compression(), figure, target.text(), "no rows yet", "-", "-");
        }
        for (ClusterRow r : matching) {
            double value = measure.applyAsDouble(r);
            table.add(r.side().label(), goal.compression(), figure, target.text(), r.rate() + " N=" + r.workers() + " " + r.model(),
                    number("%.2f", value), target.verdict(value));
        }
    }

    private static String megabytes(double bytes) {
        return number(bytes < 1e5 ? "%.4f" : "%.2f", bytes / 1e6);
    }

    private static String[] concat(String[] head, String... tail) {
        List<String> cells = new ArrayList<>(List.of(head));
        cells.addAll(List.of(tail));
        return cells.toArray(String[]::new);
    }
}
