package dev.chainrule.bench;

import dev.chainrule.nn.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chainrule and PyTorch DDP on an emulated cluster (bench/emulated-cluster): every process in a network
 * namespace of its own, the namespaces joined by a bridge, every link shaped to a rate in both
 * directions. For each rate, N and model it runs each {@link ClusterSide} with each of its compressions
 * and prints samples/s, ms per step and bytes per node and step, against a ring all-reduce's bytes and
 * DDP's samples/s. Runs inside the bench's own namespace on the bridge, which the script made.
 */
public final class EmulatedClusterBenchmark {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);

    private EmulatedClusterBenchmark() {
    }

    /** Runs every configuration and prints the tables; exits 2 on bad options, 1 when a configuration failed. */
    public static void main(String[] args) throws Exception {
        EmulatedClusterOptions options = OptionValues.parseOrExit("emulated-cluster", () -> EmulatedClusterOptions.parse(args));
        try {
            List<ClusterRow> rows = run(options);
            if (rows.stream().anyMatch(r -> r.failure() != null)) {
                System.exit(1);
            }
        } catch (IllegalStateException | IllegalArgumentException | IOException e) {
            System.err.println("emulated-cluster: " + e.getMessage());
            System.exit(1);
        }
    }

    private static List<ClusterRow> run(EmulatedClusterOptions o) throws IOException, InterruptedException {
        long started = System.nanoTime();
        EmulatedNetwork network = new EmulatedNetwork(o.network(), o.nodes());
        for (ClusterSide side : ClusterSide.values()) {
            OptionValues.require(side.nodes(o.mostWorkers()) <= network.nodes(), side.label() + " needs " + side.nodes(o.mostWorkers())
                    + " nodes at N = " + o.mostWorkers() + " (the script made " + network.nodes() + ")");
        }
        String java = ChildJvm.launcher();
        List<String> javaOptions = ChildJvm.userOptions();
        Path logs = Files.createTempDirectory("emulated-cluster-");
        ClusterRunSettings settings = new ClusterRunSettings(network, java, javaOptions, Path.of(o.jar()), o.python(), o.script(),
                o.steps(), o.warmup(), logs, RUN_TIMEOUT);
        System.out.printf(Locale.ROOT, "emulated-cluster: N = %s, models %s, rates %s; %d steps per run, the first %d left out;"
                + " namespaces %s-*; %d cores; logs in %s%n", o.workers(), o.models(), o.rates(), o.steps(), o.warmup(), o.network(),
                Runtime.getRuntime().availableProcessors(), logs);
        List<ClusterRow> rows = new ArrayList<>();
        for (String rate : o.rates()) {
            network.shape(rate);
            for (int n : o.workers()) {
                for (ModelSpec model : o.models()) {
                    for (ClusterSide side : ClusterSide.values()) {
                        for (String compression : side.compressions()) {
                            rows.add(measure(settings, rate, n, model, side, compression));
                        }
                    }
                }
            }
        }
        System.out.println();
        System.out.print(EmulatedClusterTable.rows(rows));
        System.out.println();
        System.out.println("Targets of the partition placement (the one-coordinator rows have none):");
        System.out.print(EmulatedClusterTable.targets(rows));
        System.out.println();
        System.out.printf(Locale.ROOT, "Global batch %d (256/N per worker or rank), SGD lr 0.01. samples/s and ms/step: steady state,"
                + " from step %d (Chainrule: the coordinator's step timer, to step %d; DDP: one synced window of %d steps)."
                + " Bytes: MB (10^6) per step, tx and rx apart, from each node's interface counters inside its namespace (Ethernet"
                + " frames; the coordinator's less the bench's metric scrapes). busiest node: the node whose busier direction"
                + " carries the most; busiest/ring: that direction over a ring all-reduce's 2(N-1)/N x P per node (P: the"
                + " model's float32 parameter bytes). x DDP: samples/s over PyTorch DDP's at the same rate, N and model."
                + " Links: tbf burst 256kb latency 20ms on both ends of each veth. %.0f s in all.%n", ClusterRunSettings.GLOBAL_BATCH,
                o.warmup(), ChainruleClusterRun.closingStep(o.steps(), o.warmup()), o.steps() - o.warmup(),
                (System.nanoTime() - started) / 1e9);
        return rows;
    }

    private static ClusterRow measure(ClusterRunSettings settings, String rate, int n, ModelSpec model, ClusterSide side,
            String compression) throws IOException, InterruptedException {
        String what = String.format(Locale.ROOT, "%s N=%d %s %s %s", rate, n, model, side.label(), compression);
        long started = System.nanoTime();
        try {
            ClusterFigures figures = side.run(settings, n, model, compression);
            System.out.printf(Locale.ROOT, "%s: %,.0f samples/s, %.2f ms/step (%.0f s)%n", what, figures.samplesPerSecond(),
                    figures.stepMillis(), (System.nanoTime() - started) / 1e9);
            return new ClusterRow(rate, n, model, side, compression, figures, null);
        } catch (IllegalStateException | IllegalArgumentException e) {
            System.err.println("emulated-cluster: " + what + " failed: " + e.getMessage());
            return new ClusterRow(rate, n, model, side, compression, null, e.getMessage());
        }
    }
}
