package dev.chainrule.coordinator;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The leader's own exchanges with a partitioned run's partitions: it sends them no gradient, and
 * takes their weights into its model when the trainer is about to evaluate or save it (at the end of
 * an epoch and of the run), and their optimiser states too before a checkpoint, so that it
 * evaluates, reports, saves and checkpoints the run as in a run without partitions. Each time it attaches to every partition, takes the weights the answer carries,
 * and detaches; between steps they are those of the last step.
 *
 * <p>Used by the training thread only; {@link #close} from any thread.
 */
final class PartitionFollower implements AutoCloseable {
    private final CompletableFuture<List<String>> addresses;
    private final Map<String, Tensor> parameters;
    private final String modelSpec;
    private final ParameterPartitions plan;
    private final Duration timeout;
    private final Function<String, ManagedChannel> channelTo;
    private final List<ManagedChannel> channels = new ArrayList<>();

    /**
     * A follower of the partitions at {@code addresses} (once placed) for {@code model}, whose
     * parameters it overwrites, waiting at most {@code timeout} for each message, over channels
     * {@code channelTo} opens.
     */
    PartitionFollower(CompletableFuture<List<String>> addresses, Mlp model, int partitions, Duration timeout,
            Function<String, ManagedChannel> channelTo) {
        this.channelTo = channelTo;
        this.addresses = addresses;
        this.parameters = model.namedParameters();
        this.modelSpec = model.spec().toString();
        this.plan = ParameterPartitions.of(Mlp.parameterShapes(model.spec()), partitions);
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
        return PartitionStates.merge(plan, take(step, true).stream().map(PartitionLink::state).toList());
    }

    /** Attaches to every partition, asking for its state too when {@code includeState}, takes the weights of {@code step}, detaches. */
    private List<PartitionLink> take(long step, boolean includeState) {
        if (channels.isEmpty()) {
            connect();
        }
        List<PartitionLink> links = new ArrayList<>();
        try {
            for (int j = 0; j < channels.size(); j++) {
                links.add(PartitionLink.attach(channels.get(j), j, plan, parameters, "the leader", modelSpec, includeState, timeout));
            }
            for (PartitionLink link : links) {
                link.awaitStep(step, timeout);
            }
            return links;
        } finally {
            links.forEach(PartitionLink::complete);
        }
    }

    private void connect() {
        List<String> where;
        try {
            where = addresses.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the partitions to be placed");
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the partitions were not placed within " + timeout);
        }
        for (String address : where) {
            channels.add(channelTo.apply(address));
        }
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
