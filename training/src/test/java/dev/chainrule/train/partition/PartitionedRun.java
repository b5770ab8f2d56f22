package dev.chainrule.train.partition;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.OptimizerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** K partitions of a model, stepped together as a coordinator of K partitions would. */
final class PartitionedRun {
    private final ParameterPartitions plan;
    private final List<Tensor> like;
    private final List<Partition> partitions = new ArrayList<>();
    private final Random order;

    private PartitionedRun(List<Tensor> parameters, int k, String kind, OptimizerSettings settings) {
        this.plan = ParameterPartitions.of(parameters, k);
        this.like = RandomSteps.copies(parameters);
        this.order = new Random(k);
        for (int j = 0; j < k; j++) {
            partitions.add(Partition.create(plan, j, parameters, kind, settings));
        }
    }

    /** {@code k} partitions of {@code parameters} with new {@code kind} optimisers. */
    static PartitionedRun start(List<Tensor> parameters, int k, String kind, OptimizerSettings settings) {
        return new PartitionedRun(parameters, k, kind, settings);
    }

    /** {@code k} partitions of {@code parameters} whose optimisers continue from {@code whole}, the whole model's state. */
    static PartitionedRun resume(List<Tensor> parameters, OptimizerState whole, int k, String kind, OptimizerSettings settings) {
        PartitionedRun run = new PartitionedRun(parameters, k, kind, settings);
        List<OptimizerState> states = PartitionStates.split(run.plan, whole);
        for (int j = 0; j < k; j++) {
            run.partitions.get(j).importState(states.get(j));
        }
        return run;
    }

    /** Runs {@code step}, each partition adding its pieces of the shards' whole gradients; returns the mean loss. */
    double step(RandomSteps.Step step) {
        return StepDriver.run(step, partitions.stream().map(Partition::reduction).toList(),
                partitions.stream().map(p -> p.pieces().size()).toList(), (shard, j, i) -> {
                    Partition partition = partitions.get(j);
                    return partition.gradientPiece(i, step.gradients().get(shard).get(partition.pieces().get(i).parameter()));
                }, order);
    }

    /** The plan. */
    ParameterPartitions plan() {
        return plan;
    }

    /** The partitions, in order. */
    List<Partition> partitions() {
        return partitions;
    }

    /** The whole model's weights, assembled from the partitions into new tensors that start as NaN. */
    List<Tensor> weights() {
        List<Tensor> weights = like.stream().map(p -> Tensor.full(DType.FLOAT32, Float.NaN, p.shape()).named(p.name())).toList();
        for (Partition p : partitions) {
            p.writeInto(weights);
        }
        return weights;
    }

    /** The partitions' optimiser states. */
    List<OptimizerState> states() {
        return partitions.stream().map(Partition::exportState).toList();
    }

    /** The whole model's optimiser state, merged from the partitions'. */
    OptimizerState state() {
        return PartitionStates.merge(plan, states());
    }
}
