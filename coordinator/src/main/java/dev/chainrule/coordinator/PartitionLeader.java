package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.PartitionPlan;
import dev.chainrule.proto.v1.PartitionStep;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * The leader's view of a partitioned run's partitions: which worker hosts which partition, and which
 * workers have been sent the plan, in the current placement. The first placement, at the first step,
 * puts the run's K partitions on the first K live workers that offered an address (in join order);
 * after a host is lost and the run goes back to a checkpoint ({@link #reset}), the next placement
 * puts as many partitions as offered addresses allow, up to K, on the workers that joined again
 * (the bits do not depend on the number of partitions). The training thread learns each placement's
 * addresses from {@link #placement()}.
 *
 * <p>Threading: the event loop's alone, except {@link #placement()}, which any thread may read.
 */
final class PartitionLeader {
    private final PartitionSetup setup;
    private final List<WorkerHandle> hosts = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private final Set<WorkerHandle> planned = new HashSet<>();
    private volatile Placement current = new Placement(0, new CompletableFuture<>(), new CompletableFuture<>());

    /**
     * One placement of the partitions: its number (PartitionPlan.placement), the partitions' addresses,
     * partition j's at index j, once they are placed (failed when the placement is given up before),
     * and {@code givenUp}, completed when the leader gives the placement up.
     */
    record Placement(long id, CompletableFuture<List<String>> addresses, CompletableFuture<Void> givenUp) {
    }

    PartitionLeader(PartitionSetup setup) {
        this.setup = setup;
    }

    /** The run's K: the most partitions a placement has. */
    int partitions() {
        return setup.partitions();
    }

    /** The number of partitions of the current placement (0 before it is placed). */
    int placedPartitions() {
        return hosts.size();
    }

    /** Whether the partitions have hosts. */
    boolean placed() {
        return !hosts.isEmpty();
    }

    /** Whether a lost host sends the run back to its newest checkpoint, rather than ending it. */
    boolean rollsBack() {
        return setup.rollsBack();
    }

    /** The current placement; readable from any thread. */
    Placement placement() {
        return current;
    }

    /**
     * Places the partitions on the first of {@code live} (in join order) that offered an address: K of
     * them in the first placement, as many as offered up to K in a later one. Sends each host the
     * weights of step {@code step} ({@code values} gives parameter p's) through {@code weights}, its
     * plan, and then the optimiser state {@code state} the step starts from, when the optimiser has
     * taken steps. Returns null, or why the partitions cannot be placed.
     */
    String place(List<WorkerHandle> live, long step, WeightsSender weights, IntFunction<Tensor> values, OptimizerState state) {
        List<WorkerHandle> offered = live.stream().filter(w -> !w.partitionAddress().isEmpty()).toList();
        int k = current.id() == 0 ? setup.partitions() : Math.min(setup.partitions(), offered.size());
        if (offered.isEmpty() || offered.size() < k) {
            return "the run has " + k + " partitions but " + offered.size() + " of its " + live.size()
                    + " workers offered to host one (expected: a worker with a partition address for each)";
        }
        for (int j = 0; j < k; j++) {
            hosts.add(offered.get(j));
            addresses.add(offered.get(j).partitionAddress());
        }
        for (WorkerHandle host : hosts) {
            weights.sendMissing(host, step, values);
            sendPlan(host, step, state);
        }
        weights.sendTensors(hosts, step, state.buffers()); // after each host's plan, as the contract orders them
        current.addresses().complete(List.copyOf(addresses));
        return null;
    }

    /** The current placement, for the log: "placement 0 of the partitions: partition 0 on worker 0 (a) at host-a:7071, …". */
    String describe() {
        StringBuilder line = new StringBuilder("placement " + current.id() + " of the partitions: ");
        for (int j = 0; j < hosts.size(); j++) {
            line.append(j == 0 ? "" : ", ").append("partition ").append(j).append(" on ").append(hosts.get(j).label()).append(" at ")
                    .append(addresses.get(j));
        }
        return line.toString();
    }

    /**
     * Forgets the current placement: its hosts, addresses and plans. The next {@link #place} starts a
     * new one, whose number is one more.
     */
    void reset() {
        hosts.clear();
        addresses.clear();
        planned.clear();
        Placement previous = current;
        current = new Placement(previous.id() + 1, new CompletableFuture<>(), new CompletableFuture<>());
        previous.addresses().completeExceptionally(new DistributedTrainingException("placement " + previous.id()
                + " of the partitions was given up"));
        previous.givenUp().complete(null);
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
        PartitionPlan.Builder plan = PartitionPlan.newBuilder().setPartitions(hosts.size()).addAllAddresses(addresses)
                .setHosted(hosted).setPlacement(current.id());
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
