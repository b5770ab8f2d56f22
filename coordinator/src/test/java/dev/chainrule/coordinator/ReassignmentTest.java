package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.StepAssignment;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
    /** The model's one parameter, zero before each test's step; plain SGD at rate 1 makes it minus the sum of the shards' gradients. */
    private final Tensor weight = Tensor.zeros(DType.FLOAT32, 1).named("w");
    private final StepReduction reduction = new StepReduction(List.of(weight), Optimizers.create("sgd", OptimizerSettings.defaults()), true);
    private final WeightsSender sender = new WeightsSender(List.of("w"), 1 << 20, CoordinatorMetrics.disabled());

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
        PendingStep step = step(6, workers);
        step.start();
        assertEquals(List.of(0, 3), shards(a.assignments().get(0)));
        assertEquals(List.of(1, 4), shards(b.assignments().get(0)));
        deliver(step, 0, workers.get(0), 1);
        deliver(step, 4, workers.get(1), 16);
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
        deliver(step, 1, workers.get(1), 1000);
        for (int s : List.of(1, 3)) {
            deliver(step, s, workers.get(0), 1 << s);
        }
        deliver(step, 2, workers.get(2), 4);
        assertEquals(List.of(), c.messages.stream().filter(CoordinatorMessage::hasWeights).toList(), "no update before the last shard");
        deliver(step, 5, workers.get(2), 32);
        assertTrue(step.awaitUntil(System.nanoTime()));
        assertEquals(-63f, weight.item(), "every shard once, shard 1 from its new worker");
        assertEquals(4, c.messages.get(c.messages.size() - 1).getWeights().getStep(), "the update goes out at once, as step 4's weights");
        assertTrue(b.messages.stream().noneMatch(m -> m.hasWeights() && m.getWeights().getStep() == 4), "not to the lost worker");
    }

    @Test
    void aWorkerDroppedForBreakingTheProtocolHasItsCompleteShardsTakenBackEvenAfterTheyCompletedTheStep() throws Exception {
        RecordingStream a = new RecordingStream();
        RecordingStream b = new RecordingStream();
        RecordingStream c = new RecordingStream();
        List<WorkerHandle> workers = List.of(worker("a", a), worker("b", b), worker("c", c));
        PendingStep step = step(6, workers); // a has 0 and 3, b has 1 and 4, c has 2 and 5
        step.start();
        for (int s = 0; s < 6; s++) {
            boolean bogus = s == 1 || s == 4;
            deliver(step, s, workers.get(s % 3), bogus ? 1000 : 1 << s);
        }
        assertTrue(step.complete());
        assertEquals(-2045f, weight.item(), "updated with b's bogus shards");
        a.clear();
        c.clear();

        String event = step.workerBrokeProtocol(workers.get(1), "broke the protocol (INVALID_ARGUMENT: …)", List.of(workers.get(0),
                workers.get(2)));
        assertEquals("worker 1 (b) broke the protocol (INVALID_ARGUMENT: …) during step 3; took back shards 1, 4, which it had sent;"
                + " reassigned shard 1 to worker 0 (a) and shard 4 to worker 2 (c)", event);
        assertFalse(step.complete());
        assertEquals(0f, weight.item(), "the update is undone");
        assertEquals(3, a.messages.get(0).getWeights().getStep(), "a held step 4's w, which no longer exists: step 3's first");
        assertEquals(List.of(1), shards(a.messages.get(1).getAssignment()));
        assertFalse(step.awaitUntil(System.nanoTime()));

        deliver(step, 1, workers.get(1), 1000); // ignored: b is lost
        deliver(step, 1, workers.get(0), 2);
        deliver(step, 4, workers.get(2), 16);
        assertTrue(step.awaitUntil(System.nanoTime()));
        assertEquals(-63f, weight.item(), "every shard once, b's from the others");
    }

    @Test
    void aStepTheTrainingThreadSawCompleteIsSealed() throws Exception {
        RecordingStream a = new RecordingStream();
        RecordingStream b = new RecordingStream();
        List<WorkerHandle> workers = List.of(worker("a", a), worker("b", b));
        PendingStep step = step(2, workers);
        step.start();
        deliver(step, 0, workers.get(0), 1);
        deliver(step, 1, workers.get(1), 2);
        assertTrue(step.awaitUntil(System.nanoTime()), "seen complete: the reduction may finish it now");
        a.clear();

        assertEquals("worker 1 (b) broke the protocol (INVALID_ARGUMENT: …) after step 3",
                step.workerBrokeProtocol(workers.get(1), "broke the protocol (INVALID_ARGUMENT: …)", List.of(workers.get(0))));
        assertTrue(step.complete());
        assertEquals(-3f, weight.item(), "nothing taken back");
        assertEquals(List.of(), a.messages, "nothing reassigned");
        assertTrue(step.awaitUntil(System.nanoTime()));
    }

    @Test
    void aShardReassignedAfterItsParameterWasUpdatedComesWithTheStepsStartingWeights() throws Exception {
        RecordingStream a = new RecordingStream();
        RecordingStream b = new RecordingStream();
        Tensor bias = Tensor.zeros(DType.FLOAT32, 1).named("b");
        StepReduction twoParameters = new StepReduction(List.of(weight, bias), Optimizers.create("sgd", OptimizerSettings.defaults()), true);
        twoParameters.begin(new ShardPlan(12, 2), 1, 1.0);
        List<WorkerHandle> workers = List.of(worker("a", a), worker("b", b));
        PendingStep step = new PendingStep(3, BATCH, new ShardPlan(12, 2), twoParameters, List.of(weight, bias),
                new WeightsSender(List.of("w", "b"), 1 << 20, CoordinatorMetrics.disabled()), workers, null, CoordinatorMetrics.disabled());
        step.start();
        step.deliverGradient(0, workers.get(0), 0, Tensor.of(new float[] {1}, 1));
        step.deliverGradient(1, workers.get(1), 0, Tensor.of(new float[] {2}, 1)); // w is complete: updated to -3
        assertEquals(-3f, weight.item());
        a.clear();
        step.workerLost(workers.get(1), "closed its stream", List.of(workers.get(0)));
        // a holds w of step 4 now; shard 1 needs step 3's: sent again (0, from the kept copy), then the assignment
        assertEquals(2, a.messages.size(), "w of step 3, then the assignment: " + a.messages);
        assertEquals(3, a.messages.get(0).getWeights().getStep());
        assertEquals("w", a.messages.get(0).getWeights().getTensor().getName());
        assertEquals(0f, java.nio.ByteBuffer.wrap(a.messages.get(0).getWeights().getTensor().getData().toByteArray())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat(), "step 3's value, not the update");
        assertEquals(List.of(1), shards(a.messages.get(1).getAssignment()));
        assertEquals(3, workers.get(0).sentStep(0), "step 4's w must go out again at the next step's start");
    }

    @Test
    void whenNoWorkerIsLeftTheShardsWaitAndTheNextToJoinIsSentTheStepsWeightsAndAllOfThem() throws Exception {
        RecordingStream a = new RecordingStream();
        WorkerHandle first = worker("a", a);
        PendingStep step = step(2, List.of(first));
        step.start();
        deliver(step, 1, first, 1);
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
        deliver(step, 0, second, 2);
        assertTrue(step.awaitUntil(System.nanoTime()));
        assertEquals(-3f, weight.item());
    }

    @Test
    void aWorkerJoiningWhileEveryShardHasAWorkerWaitsForTheNextStep() {
        RecordingStream a = new RecordingStream();
        PendingStep step = step(2, List.of(worker("a", a)));
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
        reduction.begin(new ShardPlan(12, 2), 1, 1.0);
        PendingStep step = registry.startStep(3, BATCH, new ShardPlan(12, 2), reduction, List.of(weight), sender);
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

    /** Step 3 of 12 samples in {@code shards} shards over {@code workers}, its reduction begun. */
    private PendingStep step(int shards, List<WorkerHandle> workers) {
        reduction.begin(new ShardPlan(12, shards), 1, 1.0);
        return new PendingStep(3, BATCH, new ShardPlan(12, shards), reduction, List.of(weight), sender, workers, null,
                CoordinatorMetrics.disabled());
    }

    /** Delivers shard {@code shard} from {@code worker}: its gradient, every element {@code value}, then the shard itself. */
    private static void deliver(PendingStep step, int shard, WorkerHandle worker, float value) throws ProtocolException {
        step.deliverGradient(shard, worker, 0, Tensor.of(new float[] {value}, 1));
        step.deliver(shard, worker, value, 12 / step.plan().shards());
    }

    private static List<Integer> shards(StepAssignment assignment) {
        return assignment.getShardsList().stream().map(Shard::getIndex).toList();
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
