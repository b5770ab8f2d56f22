package dev.chainrule.bench;

import java.util.List;

/**
 * The goals of the emulated-cluster rows: a placement's samples/s against PyTorch DDP's in the same
 * configuration, and its busiest node's bytes per step against a ring all-reduce's.
 */
final class ClusterTargets {
    /**
     * One compression's goals.
     *
     * @param compression the rows' {@code --compression}
     * @param vsDdp       samples/s divided by DDP's
     * @param vsRing      busiest direction of the busiest node divided by the ring's bytes per node; null: none
     */
    record Goal(String compression, Target vsDdp, Target vsRing) {
    }

    /** What the placement of K = N parameter partitions inside the workers is to reach. */
    static final List<Goal> PARTITIONS_IN_WORKERS = List.of(
            new Goal("none", Target.ratioAtLeast(1.0), new Target(1.05, false, "<= 1.05")),
            new Goal("bf16", Target.ratioAtLeast(1.5), null));
    /** How the tables name that placement. */
    static final String PARTITIONS_LABEL = "K = N partitions in the workers";

    private ClusterTargets() {
    }
}
