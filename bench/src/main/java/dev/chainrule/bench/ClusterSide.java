package dev.chainrule.bench;

import dev.chainrule.nn.ModelSpec;
import java.io.IOException;
import java.util.List;

/**
 * The placements that bench/emulated-cluster measures, in the order each configuration runs them:
 * the reference (PyTorch DDP) first, since every other row is compared with it. A new placement is
 * one more entry here: its label, its compressions, the nodes it needs beside the N workers, the
 * targets its rows are checked against ({@link ClusterTargets}) and how one run of it goes.
 */
enum ClusterSide {
    /** PyTorch DDP, gloo backend: N ranks on nodes 1..N (node 0 stays idle), ring all-reduce of the gradients. */
    PYTORCH_DDP("PyTorch DDP gloo", List.of("-"), 1, List.of(), (settings, workers, model, compression) ->
            DdpClusterRun.run(settings, workers, model)),
    /** Chainrule as it is: one standalone coordinator on node 0 holds every parameter; workers on nodes 1..N. */
    ONE_COORDINATOR("Chainrule, 1 coordinator node", List.of("none", "bf16", "topk:0.05"), 1, List.of(),
            (settings, workers, model, compression) -> ChainruleClusterRun.run(settings, workers, model, compression, 0)),
    /**
     * Chainrule with K = N parameter partitions, one in each worker (nodes 1..N); the leader (sessions,
     * data order, steps; no weights) on node 0.
     */
    PARTITIONS_IN_WORKERS("Chainrule, " + ClusterTargets.PARTITIONS_LABEL, List.of("none", "bf16", "topk:0.05"), 1,
            ClusterTargets.PARTITIONS_IN_WORKERS,
            (settings, workers, model, compression) -> ChainruleClusterRun.run(settings, workers, model, compression, workers));

    /** One run of a placement. */
    @FunctionalInterface
    interface Run {
        /** Trains {@code model} once with {@code workers} workers and returns the steady-state figures. */
        ClusterFigures run(ClusterRunSettings settings, int workers, ModelSpec model, String compression)
                throws IOException, InterruptedException;
    }

    private final String label;
    private final List<String> compressions;
    private final int nodesBesideWorkers;
    private final List<ClusterTargets.Goal> targets;
    private final Run run;

    ClusterSide(String label, List<String> compressions, int nodesBesideWorkers, List<ClusterTargets.Goal> targets, Run run) {
        this.label = label;
        this.compressions = compressions;
        this.nodesBesideWorkers = nodesBesideWorkers;
        this.targets = targets;
        this.run = run;
    }

    /** How the tables name it. */
    String label() {
        return label;
    }

    /** The gradient compressions it runs with, each a row ({@code -}: not applicable). */
    List<String> compressions() {
        return compressions;
    }

    /** The goals its rows are checked against; none for a placement kept for comparison. */
    List<ClusterTargets.Goal> targets() {
        return targets;
    }

    /** The node namespaces it needs for {@code workers} workers. */
    int nodes(int workers) {
        return workers + nodesBesideWorkers;
    }

    /** Trains {@code model} once with {@code workers} workers and returns the steady-state figures. */
    ClusterFigures run(ClusterRunSettings settings, int workers, ModelSpec model, String compression)
            throws IOException, InterruptedException {
        return run.run(settings, workers, model, compression);
    }
}
