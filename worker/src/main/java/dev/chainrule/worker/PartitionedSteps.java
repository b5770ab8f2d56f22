package dev.chainrule.worker;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.metrics.WorkerMetrics;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.partition.LocalPieces;
import dev.chainrule.partition.PartitionHost;
import dev.chainrule.partition.PartitionLink;
import dev.chainrule.partition.PartitionService;
import dev.chainrule.partition.PieceSender;
import dev.chainrule.proto.v1.PartitionPlan;
import dev.chainrule.proto.v1.PartitionReport;
import dev.chainrule.proto.v1.PartitionStep;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.partition.ParameterPartitions;
import dev.chainrule.train.partition.Partition;
import dev.chainrule.train.partition.PartitionStates;
import dev.chainrule.wire.GradientCompression;
import dev.chainrule.wire.GradientEncoder;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A worker's side of a partitioned run: its exchanges with the K partitions (its pieces of each
 * shard's gradient go out on them, each step's weights come in on them), and the partition it hosts,
 * if the leader gave it one, whose steps the leader opens through the worker's session and whose
 * reports go back the same way. The worker's own pieces and its partition's weights never touch the
 * network ({@link LocalPieces}).
 *
 * <p>Lifecycle: {@link #start} once the PartitionPlan arrives, then per step {@link #open} (a host),
 * {@link #awaitStep} and a {@link #sender} per shard, and {@link #close} at the end. Used by the
 * worker's loop; the hosted partition's reports are sent from the threads that serve it.
 */
final class PartitionedSteps implements AutoCloseable {
    private final ParameterPartitions plan;
    private final int shards;
    private final PartitionHost host;
    /** The process's Partition service, which reaches {@link #host}; null when the worker hosts none. */
    private final PartitionService service;
    /** The way to the hosted partition in memory (uncompressed runs), or null. */
    private final LocalPieces local;
    private final List<Tensor> parameters;
    /** Partition j's exchange at index j; null for the one reached through {@link #local}. */
    private final List<PartitionLink> links = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    private PartitionedSteps(ParameterPartitions plan, int shards, PartitionHost host, LocalPieces local, List<Tensor> parameters,
            PartitionService service) {
        this.service = service;
        this.plan = plan;
        this.shards = shards;
        this.host = host;
        this.local = local;
        this.parameters = parameters;
    }

    /**
     * Takes part as {@code message} says: hosts its partition, if any, starting from {@code model}'s
     * weights (which hold the plan's step) and its pieces of {@code state}, the whole model's
     * optimiser state (null for a new optimiser), and attaches to every partition, waiting at most
     * {@code timeout} for each, and no longer once {@code sessionEnded} says the worker's session with the
     * coordinator is over. Reports of the hosted partition go to {@code reports}.
     *
     * @throws ProtocolViolation for a plan that does not fit the run (a partition count beyond the
     *     model's elements, a hosted index outside it, an unknown optimiser)
     */
    static PartitionedSteps start(PartitionPlan message, OptimizerState state, Mlp model, int shards, PartitionAccess access,
            String workerName, GradientCompression compression, int chunkBytes, Consumer<WorkerMessage> reports, WorkerMetrics metrics,
            Duration timeout, BooleanSupplier sessionEnded) throws ProtocolViolation {
        int k = message.getPartitions();
        if (message.getAddressesCount() != k) {
            throw new ProtocolViolation("PartitionPlan: " + message.getAddressesCount() + " addresses for " + k + " partitions");
        }
        ParameterPartitions plan;
        PartitionHost host = null;
        try {
            plan = ParameterPartitions.of(Mlp.parameterShapes(model.spec()), k);
            if (message.getHosted() >= k || message.getHosted() < -1) {
                throw new IllegalArgumentException("hosted partition " + message.getHosted() + " (expected: -1 or 0 to " + (k - 1) + ")");
            }
            if (message.getHosted() >= 0) {
                if (!access.hosts()) {
                    throw new IllegalArgumentException("a partition to host, but this worker offered no partition address");
                }
                OptimizerSettings settings = new OptimizerSettings(message.getMomentum(), message.getBeta1(), message.getBeta2(),
                        message.getEps(), message.getWeightDecay());
                Partition partition = Partition.create(plan, message.getHosted(), model.parameters(), message.getOptimizer(), settings);
                if (state != null) {
                    partition.importState(PartitionStates.split(plan, state).get(message.getHosted()));
                }
                host = new PartitionHost(partition, plan, model.spec().toString(), message.getStep(), compression, chunkBytes,
                        new Reports(reports, metrics), message.getPlacement());
                access.service().install(host);
            }
        } catch (IllegalArgumentException e) {
            throw new ProtocolViolation("PartitionPlan: " + e.getMessage());
        }
        LocalPieces local = host != null ? new LocalPieces(host) : null;
        PartitionedSteps steps = new PartitionedSteps(plan, shards, host, local, model.parameters(), access.service());
        try {
            for (int j = 0; j < k; j++) {
                if (local != null && j == local.partition()) {
                    steps.links.add(null);
                    continue;
                }
                ManagedChannel channel = access.channels().apply(message.getAddresses(j));
                steps.channels.add(channel);
                steps.links.add(PartitionLink.attach(channel, message.getPlacement(), j, plan, model.namedParameters(), workerName,
                        model.spec().toString(), false, timeout, sessionEnded));
            }
        } catch (RuntimeException e) {
            steps.close();
            throw e;
        }
        return steps;
    }

    /**
     * The leader opens {@code step} on the hosted partition.
     *
     * @throws ProtocolViolation when this worker hosts none, or the step is not the partition's
     */
    void open(PartitionStep step) throws ProtocolViolation {
        if (host == null) {
            throw new ProtocolViolation("a PartitionStep for step " + step.getStep() + ", but this worker hosts no partition");
        }
        if (step.getBatchSize() < 1) {
            throw new ProtocolViolation("PartitionStep.batch_size " + step.getBatchSize() + " (expected: >= 1)");
        }
        try {
            host.open(step.getStep(), new ShardPlan(step.getBatchSize(), shards), step.getBatchSize(), step.getLearningRate());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new ProtocolViolation("PartitionStep: " + e.getMessage());
        }
    }

    /** Waits, at most {@code timeout} per message, until every parameter holds step {@code step}'s weights. */
    void awaitStep(long step, Duration timeout) {
        for (PartitionLink link : links) {
            if (link != null) {
                link.awaitStep(step, timeout);
            }
        }
        if (local != null) {
            local.awaitStep(step, parameters, timeout);
        }
    }

    /** The way of one shard's gradient pieces to the partitions. */
    ShardOutlet sender(long step, int shard, int samples, GradientEncoder encoder, Duration timeout) {
        PieceSender pieces = new PieceSender(plan, links, local, step, shard, samples, encoder, timeout);
        return new ShardOutlet() {
            @Override
            public void ready(int parameter, Tensor gradient, double lossSum) {
                pieces.ready(parameter, gradient, lossSum);
            }

            @Override
            public long sendingNanos() {
                return pieces.sendingNanos();
            }
        };
    }

    /** Ends the exchanges and, when hosting, stops the partition with {@code reason}. */
    void stop(String reason, boolean finished) {
        if (host != null) {
            host.stop(reason, finished);
        }
        links.stream().filter(Objects::nonNull).forEach(PartitionLink::complete);
    }

    /**
     * Ends the exchanges, and the hosted partition, if any: it stops, and the process's service no
     * longer reaches it, so that a worker attaching for the run's next placement (after this worker
     * joins again) waits for the partition this worker will host then, rather than reaching this one.
     */
    @Override
    public void close() {
        links.stream().filter(Objects::nonNull).forEach(link -> link.cancel("the worker ended its session"));
        channels.forEach(ManagedChannel::shutdownNow);
        if (host != null) {
            service.uninstall(host);
            host.stop("the worker that hosts partition " + host.index() + " ended its session", false);
        }
    }

    /** The hosted partition's reports, as session messages, and its meters. */
    private record Reports(Consumer<WorkerMessage> out, WorkerMetrics metrics) implements PartitionHost.Listener {
        @Override
        public void shardIn(int partition, long step, int shard, double lossSum, int samples) {
            metrics.partitionShardIn(partition);
            send(PartitionReport.newBuilder().setPartition(partition).setStep(step).setShardIn(shard).setLossSum(lossSum)
                    .setSamples(samples));
        }

        @Override
        public void updated(int partition, long step, double meanLoss) {
            metrics.partitionUpdated(partition);
            send(PartitionReport.newBuilder().setPartition(partition).setStep(step).setUpdatedMeanLoss(meanLoss));
        }

        @Override
        public void failed(int partition, long step, String message) {
            send(PartitionReport.newBuilder().setPartition(partition).setStep(step).setFailed(message));
        }

        private void send(PartitionReport.Builder report) {
            out.accept(WorkerMessage.newBuilder().setPartitionReport(report).build());
        }
    }
}
