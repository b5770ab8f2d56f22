package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.partition.PartitionLink;
import dev.chainrule.train.partition.ParameterPartitions;
import dev.chainrule.train.partition.PartitionStates;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The leader's own exchanges with a partitioned run's partitions: it sends them no gradient, and
 * takes their weights into its model when the trainer is about to evaluate or save it (at the end of
 * an epoch and of the run), and their optimiser states too before a checkpoint, so that it
 * evaluates, reports, saves and checkpoints the run as in a run without partitions. Each time it
 * attaches to every partition of the current placement, takes the weights (and state) the answer
 * carries, and detaches; between steps they are those of the last step. When the leader gives the
 * placement up ({@code Placement.givenUp}, completed on the event loop), its channels are shut down,
 * so that a wait on them ends at once, and the next call connects to the next placement.
 *
 * <p>Used by the training thread, except {@link #close}, which any thread may call.
 */
final class PartitionFollower implements AutoCloseable {
    private final Supplier<PartitionLeader.Placement> placements;
    private final Map<String, Tensor> parameters;
    private final String modelSpec;
    private final Map<String, Shape> shapes;
    private final Duration timeout;
    private final Function<String, ManagedChannel> channelTo;
    /** The channels to the connected placement's partitions, partition j's at index j; guarded by this. */
    private final List<ManagedChannel> channels = new ArrayList<>();
    /** The placement {@link #channels} lead to, or null. */
    private PartitionLeader.Placement connected;
    private ParameterPartitions plan;

    /**
     * A follower of the partitions of the current placement {@code placements} gives, for {@code model},
     * whose parameters it overwrites, waiting at most {@code timeout} for each message, over channels
     * {@code channelTo} opens.
     */
    PartitionFollower(Supplier<PartitionLeader.Placement> placements, Mlp model, Duration timeout,
            Function<String, ManagedChannel> channelTo) {
        this.placements = placements;
        this.channelTo = channelTo;
        this.parameters = model.namedParameters();
        this.modelSpec = model.spec().toString();
        this.shapes = Mlp.parameterShapes(model.spec());
        this.timeout = timeout;
    }

    /**
     * Makes the model hold step {@code step}'s weights: attaches to every partition, whose answer
     * carries the weights it holds (those of {@code step}, between two steps), and detaches.
     */
    void snapshot(long step) {
        take(step, false);
    }

    /**
     * As {@link #snapshot}, and returns the whole model's optimiser state of the same moment, joined
     * from the partitions' states ({@link PartitionStates#merge}): what a checkpoint holds.
     *
     * @throws IllegalArgumentException when the partitions' states do not join (a bug, or a partition
     *     that broke the contract)
     */
    OptimizerState snapshotWithState(long step) {
        List<PartitionLink> links = take(step, true);
        return PartitionStates.merge(plan, links.stream().map(PartitionLink::state).toList());
    }

    /** Attaches to every partition, asking for its state too when {@code includeState}, takes the weights of {@code step}, detaches. */
    private List<PartitionLink> take(long step, boolean includeState) {
        List<ManagedChannel> open = connect();
        long placement = connected.id();
        List<PartitionLink> links = new ArrayList<>();
        try {
            for (int j = 0; j < open.size(); j++) {
                links.add(PartitionLink.attach(open.get(j), placement, j, plan, parameters, "the leader", modelSpec, includeState,
                        timeout));
            }
            for (PartitionLink link : links) {
                link.awaitStep(step, timeout);
            }
            return links;
        } finally {
            links.forEach(PartitionLink::complete);
        }
    }

    /** The channels to the current placement's partitions, connecting to them first if it is a new one. */
    private List<ManagedChannel> connect() {
        PartitionLeader.Placement current = placements.get();
        synchronized (this) {
            if (current == connected) {
                return List.copyOf(channels);
            }
        }
        List<String> where;
        try {
            where = current.addresses().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the partitions to be placed");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the partitions were not placed within " + timeout);
        }
        synchronized (this) {
            channels.forEach(ManagedChannel::shutdownNow);
            channels.clear();
            for (String address : where) {
                channels.add(channelTo.apply(address));
            }
            connected = current;
            plan = ParameterPartitions.of(shapes, where.size());
            current.givenUp().thenRun(this::abandon); // on the event loop, when it gives the placement up; at once if it did
            return List.copyOf(channels);
        }
    }

    /** The placement is given up: shuts its channels down, ending any wait on them. */
    private synchronized void abandon() {
        channels.forEach(ManagedChannel::shutdownNow);
    }

    @Override
    public void close() {
        abandon();
    }
}
