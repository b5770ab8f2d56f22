package dev.chainrule.bench;

/**
 * The yardstick of data-parallel traffic: a ring all-reduce of P bytes over N nodes sends, and
 * receives, 2(N-1)/N x P bytes per node (a reduce-scatter and an all-gather of N-1 chunks of P/N each).
 */
final class RingAllReduce {
    private RingAllReduce() {
    }

    /** Bytes each node sends (and receives) per all-reduce of {@code bytes} over {@code nodes} nodes; 0 for one node. */
    static double bytesPerNode(int nodes, long bytes) {
        if (nodes < 1 || bytes < 0) {
            throw new IllegalArgumentException("ring of " + nodes + " nodes over " + bytes + " bytes (expected: nodes >= 1, bytes >= 0)");
        }
        return 2.0 * (nodes - 1) / nodes * bytes;
    }
}
