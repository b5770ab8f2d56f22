package dev.chainrule.bench;

/**
 * One node's steady-state traffic per training step.
 *
 * @param node      the node's role, e.g. {@code coordinator} or {@code worker-2}
 * @param worker    whether it computes gradients (a worker or a DDP rank)
 * @param rxPerStep bytes received per step
 * @param txPerStep bytes sent per step
 */
record NodeTraffic(String node, boolean worker, double rxPerStep, double txPerStep) {
    /** The busier direction: the one that fills its link first (a link carries both at full rate). */
    double busierDirection() {
        return Math.max(rxPerStep, txPerStep);
    }
}
