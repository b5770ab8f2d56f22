package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.PartitionPlan;
import dev.chainrule.proto.v1.PartitionStep;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * The leader's view of a partitioned run's partitions: which worker hosts which partition, placed at
 * the first step on the first K live workers that offered an address (in join order), and which
 * workers have been sent the plan. The training thread learns the partitions' addresses from
 * {@link #addresses()} once they are placed.
 *
 * <p>Threading: the event loop's alone, except {@link #addresses()}, a future any thread may wait on.
 */
final class PartitionLeader {
    private final PartitionSetup setup;
    private final List<WorkerHandle> hosts = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private final Set<WorkerHandle> planned = new HashSet<>();
    private final CompletableFuture<List<String>> placed = new CompletableFuture<>();

    PartitionLeader(PartitionSetup setup) {
        this.setup = setup;
    }

    /** K. */
    int partitions() {
        return setup.partitions();
    }

    /** Whether the partitions have hosts. */
    boolean placed() {
        return !hosts.isEmpty();
    }

    /** The partitions' addresses, partition j's at index j, once placed. */
    CompletableFuture<List<String>> addresses() {
        return placed;
    }

    /**
     * Places the partitions on the first K of {@code live} (in join order) that offered an address, and
     * sends each its plan, after the weights of step {@code step} ({@code values} gives parameter p's)
     * through {@code weights}, and then the optimiser state {@code state} the step starts from, when
     * the optimiser has taken steps (a resumed run). Returns null, or why the partitions cannot be placed.
     */
    String place(List<WorkerHandle> live, long step, WeightsSender weights, IntFunction<Tensor> values, OptimizerState state) {
        List<WorkerHandle> offered = live.stream().filter(w -> !w.partitionAddress().isEmpty()).toList();
        if (offered.size() < setup.partitions()) {
            return "the run has " + setup.partitions() + " partitions but " + offered.size() + " of its " + live.size()
                    + " workers offered to host one (expected: a worker with a partition address for each)";
        }
        for (int j = 0; j < setup.partitions(); j++) {
            hosts.add(offered.get(j));
            addresses.add(offered.get(j).partitionAddress());
        }
        Map<String, Tensor> buffers = state.buffers();
        for (WorkerHandle host : hosts) {
            weights.sendMissing(host, step, values);
            sendPlan(host, step, state);
            weights.sendTensors(host, step, buffers);
        }
        placed.complete(List.copyOf(addresses));
        return null;
    }

    /** Sends {@code worker} the plan if it has not had it (before its first assignment); {@code step} is the step in progress. */
    void sendPlan(WorkerHandle worker, long step) {
        sendPlan(worker, step, null);
    }

    /** As above; a host's plan says how many steps {@code state}, its optimiser's starting state, has taken, and its buffers. */
    private void sendPlan(WorkerHandle worker, long step, OptimizerState state) {
        if (!planned.add(worker)) {
            return;
        }
        int hosted = hostedBy(worker);
        PartitionPlan.Builder plan = PartitionPlan.newBuilder().setPartitions(setup.partitions()).addAllAddresses(addresses)
                .setHosted(hosted);
        if (hosted >= 0) {
            plan.setStep(step).setOptimizer(setup.optimizer()).setMomentum(setup.settings().momentum())
                    .setBeta1(setup.settings().beta1()).setBeta2(setup.settings().beta2()).setEps(setup.settings().eps())
                    .setWeightDecay(setup.settings().weightDecay());
            if (state != null) {
                plan.setOptimizerStepCount(state.stepCount()).addAllOptimizerBuffers(state.bufferNames());
            }
        }
        worker.outbox().send(CoordinatorMessage.newBuilder().setPartitionPlan(plan).build());
    }


    /** The partition {@code worker} hosts, or -1. */
    int hostedBy(WorkerHandle worker) {
        return hosts.indexOf(worker);
    }

    /** The workers that host the partitions, partition j's at index j. */
    List<WorkerHandle> hosts() {
        return hosts;
    }

    /** Opens step {@code step} ({@code batchSize} samples, learning rate {@code learningRate}) on every host's partition. */
    void openStep(long step, int batchSize, double learningRate) {
        CoordinatorMessage open = CoordinatorMessage.newBuilder().setPartitionStep(PartitionStep.newBuilder().setStep(step)
                .setBatchSize(batchSize).setLearningRate(learningRate)).build();
        for (WorkerHandle host : hosts) {
            host.outbox().send(open);
        }
    }
}
