package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.StepAssignment;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.WeightsChunk;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.train.ShardPlan;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Who computes which shard when workers are lost and join: {@link PendingStep} and
 * {@link WorkerRegistry} on their own, the workers' streams recorded, time on a hand-set clock.
 */
class ReassignmentTest {
    private static final int[] BATCH = IntStream.range(100, 112).toArray();
    private static final List<CoordinatorMessage> WEIGHTS = List.of(
            CoordinatorMessage.newBuilder().setWeights(WeightsChunk.newBuilder().setStep(3).setTensor(TensorChunk.newBuilder().setName("w"))
                    .setLast(true)).build());

    private final ManualClock clock = new ManualClock();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private int nextId;

    @Test
    void aLostWorkersMissingShardsGoToTheLeastBusyLiveWorkersWithoutNewWeights() throws Exception {
        RecordingStream a = new RecordingStream();
        RecordingStream b = new RecordingStream();
        RecordingStream c = new RecordingStream();
        List<WorkerHandle> workers = List.of(worker("a", a), worker("b", b), worker("c", c));
        // 12 samples in 6 shards of 2: a has 0 and 3, b has 1 and 4, c has 2 and 5
        PendingStep step = new PendingStep(3, BATCH, new ShardPlan(12, 6), WEIGHTS, workers, null);
        step.start();
        assertEquals(List.of(0, 3), shards(a.assignments().get(0)));
        assertEquals(List.of(1, 4), shards(b.assignments().get(0)));
        step.deliver(0, workers.get(0), gradient(0));
        step.deliver(4, workers.get(1), gradient(4));
        a.clear();
        c.clear();

        String event = step.workerLost(workers.get(1), "closed its stream", List.of(workers.get(0), workers.get(2)));
        assertEquals("worker 1 (b) closed its stream during step 3 before sending shard 1; reassigned shard 1 to worker 0 (a)", event);
        assertEquals(1, a.messages.size(), "one more assignment, no weights: worker a has the step's weights");
        StepAssignment more = a.messages.get(0).getAssignment();
        assertEquals(3, more.getStep());
        assertEquals(List.of(1), shards(more));
        assertEquals(List.of(102, 103), more.getShards(0).getSampleIndicesList());
        assertEquals(List.of(), c.messages);
        assertEquals(List.of(0, 1, 3), step.shardsOf(workers.get(0)));

        step.checkOwed(1, workers.get(1)); // what the lost worker still sends is ignored, not an error
        step.deliver(1, workers.get(1), gradient(99));
        for (int s : List.of(1, 3)) {
            step.deliver(s, workers.get(0), gradient(s));
        }
        step.deliver(2, workers.get(2), gradient(2));
        step.deliver(5, workers.get(2), gradient(5));
        assertTrue(step.awaitUntil(System.nanoTime()));
        assertEquals(List.of(0.0, 1.0, 2.0, 3.0, 4.0, 5.0), step.gradients().stream().map(ShardGradient::lossSum).toList(),
                "in shard order, and shard 1 from its new worker");
    }

    @Test
    void whenNoWorkerIsLeftTheShardsWaitAndTheNextToJoinIsSentTheStepsWeightsAndAllOfThem() throws Exception {
        RecordingStream a = new RecordingStream();
        WorkerHandle first = worker("a", a);
        PendingStep step = new PendingStep(3, BATCH, new ShardPlan(12, 2), WEIGHTS, List.of(first), null);
        step.start();
        step.deliver(1, first, gradient(1));
        assertTrue(step.unownedSince().isEmpty());

        assertEquals("worker 0 (a) disconnected (CANCELLED) during step 3 before sending shard 0; no worker is left to compute it;"
                + " waiting for one to join", step.workerLost(first, "disconnected (CANCELLED)", List.of()));
        assertTrue(step.unownedSince().isPresent());
        assertFalse(step.awaitUntil(System.nanoTime() + 1_000_000));
        assertEquals("step 3: no worker is left to compute shard 0 (the last, worker 0 (a) disconnected (CANCELLED)); waited 2 s for"
                + " one to join", step.noWorkerLeft(Duration.ofSeconds(2), "").getMessage());

        RecordingStream b = new RecordingStream();
        WorkerHandle second = worker("b", b);
        assertEquals("worker 1 (b) joined during step 3; reassigned shard 0 to worker 1 (b)", step.workerJoined(second));
        assertTrue(b.messages.get(0).hasWeights(), "the step's weights first");
        assertEquals(3, b.messages.get(0).getWeights().getStep());
        assertEquals(List.of(0), shards(b.messages.get(1).getAssignment()));
        assertTrue(step.unownedSince().isEmpty());
        step.deliver(0, second, gradient(0));
        assertTrue(step.awaitUntil(System.nanoTime()));
        assertEquals(2, step.gradients().size());
    }

    @Test
    void aWorkerJoiningWhileEveryShardHasAWorkerWaitsForTheNextStep() {
        RecordingStream a = new RecordingStream();
        PendingStep step = new PendingStep(3, BATCH, new ShardPlan(12, 2), WEIGHTS, List.of(worker("a", a)), null);
        step.start();
        RecordingStream b = new RecordingStream();
        assertNull(step.workerJoined(worker("b", b)));
        assertEquals(List.of(), b.messages);
    }

    @Test
    void theRegistryDropsAWorkerSilentForLongerThanTheHeartbeatTimeoutAndEndsItsSession() throws Exception {
        WorkerRegistry registry = new WorkerRegistry(2, Duration.ofSeconds(10), clock, events::add);
        RecordingStream a = new RecordingStream();
        RecordingStream b = new RecordingStream();
        WorkerHandle first = registry.register("a", new Outbox(a, () -> { }), id -> welcome());
        WorkerHandle second = registry.register("b", new Outbox(b, () -> { }), id -> welcome());
        PendingStep step = registry.startStep(3, BATCH, new ShardPlan(12, 2), WEIGHTS);
        assertEquals(List.of(), events, "joins before the first step are not reported");

        clock.advance(Duration.ofSeconds(6));
        first.touch(); // a heartbeat from a
        clock.advance(Duration.ofSeconds(4));
        registry.expireSilent();
        assertEquals(2, registry.liveCount(), "b was silent for exactly the timeout: not longer");

        clock.advance(Duration.ofMillis(500));
        registry.expireSilent();
        assertEquals(1, registry.liveCount());
        assertTrue(second.removed());
        assertEquals(List.of("worker 1 (b) sent nothing for 10.5 s (heartbeat timeout 10 s) during step 3 before sending shard 1;"
                + " reassigned shard 1 to worker 0 (a)"), events);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, b.error.getCode());
        assertEquals("worker 1 (b) sent nothing (not even a heartbeat) for longer than the heartbeat timeout of 10 s; the coordinator"
                + " dropped it", b.error.getDescription());
        assertEquals(List.of(0, 1), step.shardsOf(first));

        RecordingStream c = new RecordingStream();
        registry.register("c", new Outbox(c, () -> { }), id -> welcome());
        assertEquals("worker 2 (c) joined during step 3; it takes shards from step 4", events.get(1));
        assertEquals(1, c.messages.size(), "only its Welcome");
    }

    private WorkerHandle worker(String name, RecordingStream stream) {
        return new WorkerHandle(nextId++, name, new Outbox(stream, () -> { }), clock);
    }

    private static CoordinatorMessage welcome() {
        return CoordinatorMessage.getDefaultInstance();
    }

    private static ShardGradient gradient(double lossSum) {
        return new ShardGradient(List.of(Tensor.full(DType.FLOAT32, lossSum, Shape.of(1))), lossSum, 2);
    }

    private static List<Integer> shards(StepAssignment assignment) {
        return assignment.getShardsList().stream().map(Shard::getIndex).toList();
    }

    /** A worker's outbound stream, always ready, recording what it is sent. */
    private static final class RecordingStream extends ServerCallStreamObserver<CoordinatorMessage> {
        final List<CoordinatorMessage> messages = new ArrayList<>();
        Status error;

        List<StepAssignment> assignments() {
            return messages.stream().filter(CoordinatorMessage::hasAssignment).map(CoordinatorMessage::getAssignment).toList();
        }

        void clear() {
            messages.clear();
        }

        @Override
        public void onNext(CoordinatorMessage value) {
            messages.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = Status.fromThrowable(t);
        }

        @Override
        public void onCompleted() {
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }
    }

    /** A clock that moves only when told. */
    private static final class ManualClock extends Clock {
        private volatile Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
