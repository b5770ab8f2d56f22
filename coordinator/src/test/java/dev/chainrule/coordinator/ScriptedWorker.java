package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.Heartbeat;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.StepAssignment;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.LocalShardExecutor;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.wire.TensorChunks;
import io.grpc.Channel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker the test runs on a thread of its own: it computes real shard gradients, as
 * {@link dev.chainrule.worker.Worker} does, over a {@link FakeWorker}'s stream and sends heartbeats,
 * until the assignment of step {@code failAt}, where it fails as told: it dies half-way through its
 * first shard's gradient (the call is cancelled), or it hangs (no heartbeat, no answer) until the
 * coordinator ends its session.
 */
final class ScriptedWorker implements Callable<ScriptedWorker.Outcome> {
    /** How the worker fails. */
    enum Failure {
        /** Sends half the chunks of its first shard of the step, then cancels its call. */
        DIES_MID_GRADIENT,
        /** Stops its heartbeats and never answers. */
        HANGS
    }

    /**
     * What happened: the shards it computed and sent; for {@link Failure#HANGS}, the status that
     * ended its session and how long after its last message it came (null and zero otherwise); and the
     * {@link System#nanoTime()} at which it ended its side (for a death, just before it cancelled).
     */
    record Outcome(long shards, Status status, Duration detectedAfter, long endedAtNanos) {
    }

    private final Channel channel;
    private final String name;
    private final Dataset train;
    private final ModelSpec spec;
    private final Activation activation;
    private final Duration heartbeat;
    private final long failAt;
    private final Failure failure;
    /** The step being computed or waited for, as a real worker's heartbeats carry it. */
    private volatile long currentStep;
    /** The {@link System#nanoTime()} before its latest send began: the coordinator heard from it no earlier. */
    private final AtomicLong lastSentNanos = new AtomicLong(System.nanoTime());

    ScriptedWorker(Channel channel, String name, Dataset train, ModelSpec spec, Activation activation, Duration heartbeat, long failAt,
            Failure failure) {
        this.channel = channel;
        this.name = name;
        this.train = train;
        this.spec = spec;
        this.activation = activation;
        this.heartbeat = heartbeat;
        this.failAt = failAt;
        this.failure = failure;
    }

    @Override
    public Outcome call() throws InterruptedException {
        FakeWorker stream = FakeWorker.joined(channel, name, train);
        int chunkBytes = stream.take().getWelcome().getConfig().getChunkBytes();
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
        Runnable beat = () -> send(stream, WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(currentStep)).build());
        heartbeats.scheduleAtFixedRate(beat, 0, heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        try {
            TensorAssembler assembler = null;
            Map<String, Tensor> held = new LinkedHashMap<>();
            long shards = 0;
            while (true) {
                CoordinatorMessage message = stream.take();
                if (message.hasStop()) {
                    stream.complete();
                    return new Outcome(shards, null, Duration.ZERO, System.nanoTime());
                }
                if (message.hasWeights()) {
                    // one parameter at a time, its final chunk marked last
                    String name = message.getWeights().getTensor().getName();
                    if (assembler == null) {
                        assembler = new TensorAssembler(Map.of(name, Mlp.parameterShapes(spec).get(name)));
                    }
                    assembler.accept(message.getWeights().getTensor());
                    if (message.getWeights().getLast()) {
                        held.putAll(assembler.complete());
                        assembler = null;
                    }
                    continue;
                }
                StepAssignment assignment = message.getAssignment();
                Mlp model = assignment.getShardsCount() == 0 ? null : Mlp.fromWeights(spec, activation, held);
                long step = assignment.getStep();
                currentStep = step;
                if (step == failAt) {
                    if (failure == Failure.DIES_MID_GRADIENT) {
                        List<WorkerMessage> messages = gradientMessages(step, model, assignment.getShards(0), chunkBytes);
                        messages.subList(0, messages.size() / 2).forEach(m -> send(stream, m));
                        long dies = System.nanoTime(); // before the coordinator can see it: a lower bound for what follows
                        stream.cancel();
                        return new Outcome(shards, null, Duration.ZERO, dies);
                    }
                    heartbeats.shutdownNow();
                    heartbeats.awaitTermination(10, TimeUnit.SECONDS); // no beat after this
                    Status status = stream.awaitError();
                    long ended = System.nanoTime();
                    return new Outcome(shards, status, Duration.ofNanos(ended - lastSentNanos.get()), ended);
                }
                for (Shard shard : assignment.getShardsList()) {
                    gradientMessages(step, model, shard, chunkBytes).forEach(m -> send(stream, m));
                    shards++;
                }
                currentStep = step + 1;
            }
        } finally {
            heartbeats.shutdownNow();
        }
    }

    /** Sends {@code message}, first noting the time: the coordinator cannot have heard from this worker later than its last send. */
    private void send(FakeWorker stream, WorkerMessage message) {
        lastSentNanos.accumulateAndGet(System.nanoTime(), Math::max);
        stream.send(message);
    }

    /** One shard's gradient as the messages that carry it, the last one marked. */
    private List<WorkerMessage> gradientMessages(long step, Mlp model, Shard shard, int chunkBytes) {
        int[] indices = shard.getSampleIndicesList().stream().mapToInt(Integer::intValue).toArray();
        ShardGradient g = LocalShardExecutor.shardGradient(model, train, indices);
        Map<String, Tensor> named = new LinkedHashMap<>();
        List<String> names = List.copyOf(Mlp.parameterShapes(spec).keySet());
        for (int i = 0; i < names.size(); i++) {
            named.put(names.get(i), g.gradients().get(i));
        }
        List<TensorChunk> chunks = TensorChunks.of(named, chunkBytes);
        List<WorkerMessage> messages = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            messages.add(WorkerMessage.newBuilder().setGradient(GradientChunk.newBuilder()
                    .setStep(step).setShardIndex(shard.getIndex()).setSampleCount(g.samples()).setLossSum(g.lossSum())
                    .setTensor(chunks.get(i)).setLast(i == chunks.size() - 1)).build());
        }
        return messages;
    }
}
