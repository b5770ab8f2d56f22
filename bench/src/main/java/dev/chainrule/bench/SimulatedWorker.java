package dev.chainrule.bench;

import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.Heartbeat;
import dev.chainrule.proto.v1.Join;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.StepAssignment;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.WorkerMessage;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker that speaks the coordinator's session protocol ({@code training.proto}) over
 * a real channel but computes nothing: every shard it is assigned is answered at once with the same
 * precomputed gradient chunks, so that what a step costs is the coordinator's work (receiving and
 * checking N gradients, summing them, the optimiser, sending N weight sets) and the transport's.
 * The weights it is sent are taken off the wire (gRPC parses them) and dropped.
 *
 * <p>Lifecycle: construct, {@link #start}, then wait on {@link #finished}, which completes when the
 * coordinator sends Stop (true when training finished) or fails when the session breaks. Inbound
 * messages are handled on gRPC's threads, one at a time; writes are serialised on this object; a
 * heartbeat goes out on {@code heartbeats} every interval the Welcome names.
 */
final class SimulatedWorker implements ClientResponseObserver<WorkerMessage, CoordinatorMessage> {
    private final Channel channel;
    private final Join join;
    private final String name;
    private final List<TensorChunk> gradient;
    private final double lossSum;
    private final int samplesPerShard;
    private final ScheduledExecutorService heartbeats;
    private final CompletableFuture<Boolean> finished = new CompletableFuture<>();
    private final AtomicLong shardsSent = new AtomicLong();
    private ClientCallStreamObserver<WorkerMessage> out;
    private volatile ScheduledFuture<?> heartbeat;
    private volatile long step;

    /**
     * A worker that joins with {@code join} (its name, data set and kernel), answering every shard
     * with {@code gradient}'s chunks (one parameter's tensor after another), {@code lossSum} and the
     * shard's size, which must be {@code samplesPerShard}.
     */
    SimulatedWorker(Channel channel, Join join, List<TensorChunk> gradient, double lossSum, int samplesPerShard,
            ScheduledExecutorService heartbeats) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.join = Objects.requireNonNull(join, "join");
        this.name = join.getWorkerName();
        this.gradient = List.copyOf(gradient);
        this.lossSum = lossSum;
        this.samplesPerShard = samplesPerShard;
        this.heartbeats = Objects.requireNonNull(heartbeats, "heartbeats");
    }

    /** Opens the session and sends Join. */
    SimulatedWorker start() {
        CoordinatorGrpc.newStub(channel).withWaitForReady().session(this);
        send(WorkerMessage.newBuilder().setJoin(join).build());
        return this;
    }

    /** Completes with Stop's {@code finished}; fails when the session ends otherwise. */
    CompletableFuture<Boolean> finished() {
        return finished;
    }

    /** Shards answered so far. */
    long shardsSent() {
        return shardsSent.get();
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WorkerMessage> requestStream) {
        this.out = requestStream;
    }

    @Override
    public void onNext(CoordinatorMessage message) {
        switch (message.getKindCase()) {
            case WELCOME -> {
                long interval = Math.max(1, message.getWelcome().getConfig().getHeartbeatIntervalMillis());
                heartbeat = heartbeats.scheduleAtFixedRate(
                        () -> send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(step)).build()),
                        interval, interval, TimeUnit.MILLISECONDS);
            }
            case WEIGHTS -> step = message.getWeights().getStep();
            case ASSIGNMENT -> answer(message.getAssignment());
            case STOP -> {
                stopHeartbeats();
                synchronized (this) {
                    out.onCompleted();
                }
                finished.complete(message.getStop().getFinished());
            }
            default -> fail(Status.INTERNAL.withDescription(name + ": unexpected " + message.getKindCase()).asRuntimeException());
        }
    }

    @Override
    public void onError(Throwable t) {
        stopHeartbeats();
        finished.completeExceptionally(new IllegalStateException(name + ": the session ended with " + Status.fromThrowable(t), t));
    }

    @Override
    public void onCompleted() {
        stopHeartbeats();
        finished.completeExceptionally(new IllegalStateException(name + ": the coordinator completed the session without Stop"));
    }

    /** Sends every assigned shard's precomputed gradient, one shard after the other. */
    private void answer(StepAssignment assignment) {
        step = assignment.getStep();
        for (Shard shard : assignment.getShardsList()) {
            if (shard.getSampleIndicesCount() != samplesPerShard) {
                fail(Status.FAILED_PRECONDITION.withDescription(name + ": shard " + shard.getIndex() + " of step " + step + " has "
                        + shard.getSampleIndicesCount() + " samples (expected: " + samplesPerShard + ", the gradient's)").asRuntimeException());
                return;
            }
            for (int i = 0; i < gradient.size(); i++) {
                send(WorkerMessage.newBuilder().setGradient(GradientChunk.newBuilder()
                        .setStep(assignment.getStep())
                        .setShardIndex(shard.getIndex())
                        .setSampleCount(samplesPerShard)
                        .setLossSum(lossSum)
                        .setTensor(gradient.get(i))
                        .setLast(i == gradient.size() - 1)).build());
            }
            shardsSent.incrementAndGet();
        }
    }

    private synchronized void send(WorkerMessage message) {
        if (!finished.isDone()) {
            out.onNext(message);
        }
    }

    private void fail(RuntimeException e) {
        stopHeartbeats();
        synchronized (this) {
            out.cancel(e.getMessage(), e);
        }
        finished.completeExceptionally(e);
    }

    private void stopHeartbeats() {
        ScheduledFuture<?> h = heartbeat;
        if (h != null) {
            h.cancel(false);
        }
    }
}
