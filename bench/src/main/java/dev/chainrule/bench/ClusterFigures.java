package dev.chainrule.bench;

import java.util.List;

/**
 * What one run on the emulated cluster measured at steady state.
 *
 * @param samplesPerSecond global samples per second
 * @param stepMillis       milliseconds per step
 * @param nodes            every node's traffic per step
 */
record ClusterFigures(double samplesPerSecond, double stepMillis, List<NodeTraffic> nodes) {
    /** Checks that there is a node. */
    ClusterFigures {
        nodes = List.copyOf(nodes);
        OptionValues.require(!nodes.isEmpty(), "figures of no node");
    }

    /** The node whose busier direction carries the most bytes per step. */
    NodeTraffic busiest() {
        NodeTraffic busiest = nodes.get(0);
        for (NodeTraffic node : nodes) {
            if (node.busierDirection() > busiest.busierDirection()) {
                busiest = node;
            }
        }
        return busiest;
    }

    /** The mean traffic of the nodes that compute gradients; NaN when there are none. */
    NodeTraffic workerMean() {
        List<NodeTraffic> workers = nodes.stream().filter(NodeTraffic::worker).toList();
        double rx = workers.stream().mapToDouble(NodeTraffic::rxPerStep).average().orElse(Double.NaN);
        double tx = workers.stream().mapToDouble(NodeTraffic::txPerStep).average().orElse(Double.NaN);
        return new NodeTraffic("workers' mean", true, rx, tx);
    }
}
