package dev.chainrule.bench;

import dev.chainrule.nn.ModelSpec;
import java.util.List;

/**
 * One configuration of the emulated cluster and what it measured, or why it failed.
 *
 * @param rate        the links' rate (tc syntax)
 * @param workers     N: workers or DDP ranks
 * @param model       the MLP
 * @param side        the placement
 * @param compression its gradient compression ({@code -} for DDP)
 * @param figures     the figures; null when the run failed
 * @param failure     why it failed; null when it did not
 */
record ClusterRow(String rate, int workers, ModelSpec model, ClusterSide side, String compression, ClusterFigures figures,
        String failure) {
    /** A ring all-reduce's bytes per node and step for this model over N nodes. */
    double ringBytes() {
        return RingAllReduce.bytesPerNode(workers, Float.BYTES * model.parameterCount());
    }

    /** The busiest node's busier direction over the ring's bytes; NaN for a failed run. */
    double ringRatio() {
        return figures == null ? Double.NaN : figures.busiest().busierDirection() / ringBytes();
    }

    /** Samples/s over those of PyTorch DDP in the same rate, N and model; NaN when either is missing. */
    double ddpRatio(List<ClusterRow> all) {
        for (ClusterRow r : all) {
            if (r.side == ClusterSide.PYTORCH_DDP && r.rate.equals(rate) && r.workers == workers && r.model.equals(model)) {
                return figures == null || r.figures == null ? Double.NaN
                        : figures.samplesPerSecond() / r.figures.samplesPerSecond();
            }
        }
        return Double.NaN;
    }
}
