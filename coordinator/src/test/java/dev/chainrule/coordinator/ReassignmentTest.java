package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.StepAssignment;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import dev.chainrule.train.TrainingConfig;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Who computes which shard when workers are lost and join: the {@link RunState} on its own, fed
 * {@link RunEvent}s by hand as its event loop would, the workers' streams recorded, time on a hand-set
 * clock. The model is one weight, zero at the start; plain SGD at rate 1 makes it minus the sum of the
 * shards' gradients.
 */
class ReassignmentTest {
    private static final int[] BATCH = IntStream.range(100, 112).toArray();
    private static final long STEP = 3;
    private static final RunDescription RUN = new RunDescription(ModelSpec.parse("1-1"), Activation.RELU,
            new TrainingConfig(12, 1, 0, false, 0, 2), 10, 12, 1, "sha256:" + "0".repeat(64), "test", Optional.empty());

    @Test
    void aLostWorkersMissingShardsGoToTheLeastBusyLiveWorkersWithoutNewWeights() {
        Run run = new Run(3);
        WorkerHandle a = run.join("a");
        WorkerHandle b = run.join("b");
        WorkerHandle c = run.join("c");
        run.step(6); // 12 samples in 6 shards of 2: a has 0 and 3, b has 1 and 4, c has 2 and 5
        assertEquals(List.of(0, 3), shards(run.stream(a).assignments().get(0)));
        assertEquals(List.of(1, 4), shards(run.stream(b).assignments().get(0)));
        run.deliver(a, 0, 1);
        run.deliver(b, 4, 16);
        run.clearStreams();

        run.lose(b, "closed its stream", false);
        assertEquals(List.of("worker 1 (b) closed its stream during step 3 before sending shard 1; reassigned shard 1 to worker 0 (a)"),
                run.events);
        assertEquals(1, run.stream(a).messages.size(), "one more assignment, no weights: worker a has the step's weights");
        StepAssignment more = run.stream(a).messages.get(0).getAssignment();
        assertEquals(STEP, more.getStep());
        assertEquals(List.of(1), shards(more));
        assertEquals(List.of(102, 103), more.getShards(0).getSampleIndicesList());
        assertEquals(List.of(0, 1, 3), a.duty().shards(), "a's session checks its gradients against this");
        assertEquals(List.of(), run.stream(c).messages);

        run.deliver(b, 1, 1000); // ignored: b is lost
        for (int s : List.of(1, 3)) {
            run.deliver(a, s, 1 << s);
        }
        run.deliver(c, 2, 4);
        assertEquals(0f, run.weight.item(), "no update before the last shard");
        assertFalse(run.result.isDone());
        run.deliver(c, 5, 32);
        assertTrue(run.result.isDone());
        assertEquals(-63f, run.weight.item(), "every shard once, shard 1 from its new worker, b's shard 4 kept");
        CoordinatorMessage last = run.stream(c).messages.get(run.stream(c).messages.size() - 1);
        assertEquals(STEP + 1, last.getWeights().getStep(), "the update goes out at once, as step 4's weights");
        assertTrue(run.stream(b).messages.stream().noneMatch(CoordinatorMessage::hasWeights), "not to the lost worker");
    }

    @Test
    void aWorkerDroppedForBreakingTheProtocolHasItsCompleteShardsTakenBack() {
        Run run = new Run(3);
        WorkerHandle a = run.join("a");
        WorkerHandle b = run.join("b");
        WorkerHandle c = run.join("c");
        run.step(6); // a has 0 and 3, b has 1 and 4, c has 2 and 5
        for (int s = 0; s < 5; s++) {
            boolean bogus = s == 1 || s == 4;
            run.deliver(List.of(a, b, c).get(s % 3), s, bogus ? 1000 : 1 << s);
        }
        run.clearStreams();

        run.lose(b, "broke the protocol (INVALID_ARGUMENT: …)", true);
        assertEquals(List.of("worker 1 (b) broke the protocol (INVALID_ARGUMENT: …) during step 3; took back shards 1, 4, which it had"
                + " sent; reassigned shards 1, 4 to worker 0 (a)"), run.events, "c still owes shard 5: a is the least busy for both");
        assertEquals(List.of(1, 4), shards(run.stream(a).messages.get(0).getAssignment()), "no weights: none moved");
        run.deliver(b, 1, 1000); // ignored: b is lost
        run.deliver(a, 1, 2);
        run.deliver(a, 4, 16);
        assertFalse(run.result.isDone(), "shard 5 is still out");
        run.deliver(c, 5, 32);
        assertEquals(-63f, run.weight.item(), "every shard once, b's from the others");
    }

    @Test
    void aWorkerLostDuringTheRunTakesItsMetersOffTheRegistryWhileTheOthersKeepCounting() {
        Run run = new Run(2);
        WorkerHandle a = run.join("a");
        WorkerHandle b = run.join("b");
        List<String> meters = List.of("chainrule.gradient.bytes.received", "chainrule.weights.bytes.sent", "chainrule.worker.lateness");
        meters.forEach(name -> assertEquals(Set.of("0", "1"), run.workerTags(name), name + " from each join"));
        run.step(2);
        run.deliver(a, 0, 1);
        run.lose(b, "closed its stream", false);
        meters.forEach(name -> assertEquals(Set.of("0"), run.workerTags(name), name + " after b was lost"));

        run.deliver(b, 1, 1000); // ignored: b is lost
        run.deliver(a, 1, 2);
        assertTrue(run.result.isDone());
        meters.forEach(name -> assertEquals(Set.of("0"), run.workerTags(name), name + " after the step"));
        assertEquals(1, run.registry.get("chainrule.worker.lateness").tag("worker", "0").timer().count());
        assertTrue(run.registry.get("chainrule.weights.bytes.sent").tag("worker", "0").counter().count() > 0);
    }

    @Test
    void aWorkerLostAfterTheStepSealedChangesNothing() {
        Run run = new Run(2);
        WorkerHandle a = run.join("a");
        WorkerHandle b = run.join("b");
        run.step(2);
        run.deliver(a, 0, 1);
        run.deliver(b, 1, 2);
        assertTrue(run.result.isDone());
        run.clearStreams();

        run.lose(b, "broke the protocol (INVALID_ARGUMENT: …)", true);
        assertEquals(List.of("worker 1 (b) broke the protocol (INVALID_ARGUMENT: …) after step 3"), run.events);
        assertEquals(-3f, run.weight.item(), "nothing taken back");
        assertEquals(List.of(), run.stream(a).messages, "nothing reassigned");
    }

    @Test
    void whenNoWorkerIsLeftTheShardsWaitAndTheNextToJoinIsSentTheStepsWeightsAndAllOfThem() {
        Run run = new Run(2);
        WorkerHandle a = run.join("a");
        run.step(2);
        run.deliver(a, 1, 1);

        run.lose(a, "disconnected (CANCELLED)", false);
        assertEquals("worker 0 (a) disconnected (CANCELLED) during step 3 before sending shard 0; no worker is left to compute it;"
                + " waiting for one to join", run.events.get(0));
        WorkerHandle b = run.join("b");
        assertEquals("worker 1 (b) joined during step 3; reassigned shard 0 to worker 1 (b)", run.events.get(1));
        List<CoordinatorMessage> toB = run.stream(b).messages;
        assertTrue(toB.get(0).hasWelcome());
        assertEquals(STEP, toB.get(1).getWeights().getStep(), "the step's weights first");
        assertEquals(List.of(0), shards(toB.get(2).getAssignment()));
        run.deliver(b, 0, 2);
        assertEquals(-3f, run.weight.item());
    }

    @Test
    void aStepWhoseShardsWaitLongerThanTheWorkerWaitFails() throws Exception {
        Run run = new Run(1);
        WorkerHandle a = run.join("a");
        run.step(1);
        run.lose(a, "closed its stream", false);
        run.clock.advance(Duration.ofSeconds(1));
        run.state.on(new RunEvent.Tick());
        assertFalse(run.result.isDone(), "within the worker wait");
        Thread.sleep(run.settings.workerWait().toMillis() + 20);
        run.state.on(new RunEvent.Tick());
        assertTrue(run.result.isCompletedExceptionally());
        assertEquals(0f, run.weight.item(), "a failed step changes nothing");
    }

    @Test
    void aWorkerJoiningWhileEveryShardHasAWorkerWaitsForTheNextStep() {
        Run run = new Run(2);
        run.join("a");
        run.step(2);
        WorkerHandle b = run.join("b");
        assertEquals("worker 1 (b) joined during step 3; it takes shards from step 4", run.events.get(0));
        assertEquals(1, run.stream(b).messages.size(), "only its Welcome");
        assertEquals(STEP, b.duty().step(), "its heartbeats may name step 4, not later");
        assertEquals(List.of(), b.duty().shards());
    }

    @Test
    void aWorkerSilentForLongerThanTheHeartbeatTimeoutIsDroppedAtATickAndItsSessionEnded() {
        Run run = new Run(2);
        WorkerHandle a = run.join("a");
        WorkerHandle b = run.join("b");
        run.step(2);
        assertEquals(List.of(), run.events, "joins before the first step are not reported");

        run.clock.advance(Duration.ofSeconds(6));
        a.touch(); // a heartbeat from a
        run.clock.advance(Duration.ofSeconds(4));
        run.state.on(new RunEvent.Tick());
        assertEquals(2, run.state.liveCount(), "b was silent for exactly the timeout: not longer");

        run.clock.advance(Duration.ofMillis(500));
        run.state.on(new RunEvent.Tick());
        assertEquals(1, run.state.liveCount());
        assertTrue(b.removed());
        assertEquals(List.of("worker 1 (b) sent nothing for 10.5 s (heartbeat timeout 10 s) during step 3 before sending shard 1;"
                + " reassigned shard 1 to worker 0 (a)"), run.events);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, run.stream(b).error.getCode());
        assertEquals("worker 1 (b) sent nothing (not even a heartbeat) for longer than the heartbeat timeout of 10 s; the coordinator"
                + " dropped it", run.stream(b).error.getDescription());
        assertEquals(List.of(0, 1), a.duty().shards());
    }

    @Test
    void replayingTheSameEventsGivesTheSameDecisions() {
        // reassignment, retraction of complete shards, a join during the step, and the update: twice, from scratch
        List<Consumer<Run>> script = List.of(
                r -> r.join("a"), r -> r.join("b"), r -> r.join("c"),
                r -> r.step(6),
                r -> r.deliver(r.worker("a"), 0, 1), r -> r.deliver(r.worker("b"), 1, 1000), r -> r.deliver(r.worker("c"), 2, 4),
                r -> r.lose(r.worker("b"), "broke the protocol (INVALID_ARGUMENT: …)", true),
                r -> r.deliver(r.worker("a"), 3, 8),
                r -> r.lose(r.worker("c"), "closed its stream", false),
                r -> r.join("d"),
                r -> r.deliver(r.worker("a"), 1, 2), r -> r.deliver(r.worker("a"), 4, 16),
                r -> r.deliver(r.worker("a"), 5, 32));
        Run first = new Run(3);
        Run second = new Run(3);
        script.forEach(action -> action.accept(first));
        script.forEach(action -> action.accept(second));

        assertEquals(first.decisions(), second.decisions());
        assertEquals(List.of("worker 1 (b) broke the protocol (INVALID_ARGUMENT: …) during step 3 before sending shard 4, and took back"
                        + " shard 1, which it had sent; reassigned shard 1 to worker 0 (a) and shard 4 to worker 2 (c)",
                "worker 2 (c) closed its stream during step 3 before sending shards 4, 5; reassigned shards 4, 5 to worker 0 (a)",
                "worker 3 (d) joined during step 3; it takes shards from step 4"), first.events);
        assertEquals(-63f, first.weight.item(), "every shard once, b's bogus shard taken back");
        assertEquals(Double.doubleToLongBits(first.weight.item()), Double.doubleToLongBits(second.weight.item()));
    }

    private static List<Integer> shards(StepAssignment assignment) {
        return assignment.getShardsList().stream().map(Shard::getIndex).toList();
    }

    /** One run's state, its workers' recorded streams and sessions, and the step's result. */
    private static final class Run {
        final Tensor weight = Tensor.zeros(DType.FLOAT32, 1).named("w");
        final ManualClock clock = new ManualClock();
        final List<String> events = new ArrayList<>();
        final CoordinatorSettings settings;
        final RunState state;
        final CoordinatorService service;
        final StepReduction reduction = new StepReduction(List.of(weight), Optimizers.create("sgd", OptimizerSettings.defaults()));
        final Map<String, WorkerSession> sessions = new LinkedHashMap<>();
        final Map<WorkerHandle, RecordingStream> streams = new LinkedHashMap<>();
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CompletableFuture<Double> result;
        private int shards;

        Run(int capacity) {
            settings = CoordinatorSettings.defaults(capacity).withHeartbeatTimeout(Duration.ofSeconds(10))
                    .withWorkerWait(Duration.ofSeconds(2));
            CoordinatorMetrics metrics = new CoordinatorMetrics(registry);
            state = new RunState(settings, List.of(weight), new WeightsSender(List.of("w"), 1 << 20),
                    id -> CoordinatorMessage.newBuilder().setWelcome(dev.chainrule.proto.v1.Welcome.newBuilder().setWorkerId(id)).build(),
                    clock, events::add, metrics);
            // never started: what a session would post is not handled; the test posts by hand
            service = new CoordinatorService(RUN, settings, new CoordinatorLoop(state, Duration.ofSeconds(1), e -> { }), metrics);
        }

        WorkerHandle join(String name) {
            RecordingStream stream = new RecordingStream();
            WorkerSession session = new WorkerSession(service, stream, null);
            sessions.put(name, session);
            state.on(new RunEvent.Joining(session, name, -1, ""));
            streams.put(session.worker(), stream);
            return session.worker();
        }

        WorkerHandle worker(String name) {
            return sessions.get(name).worker();
        }

        RecordingStream stream(WorkerHandle worker) {
            return streams.get(worker);
        }

        void step(int shardCount) {
            shards = shardCount;
            ShardPlan plan = new ShardPlan(BATCH.length, shardCount);
            reduction.begin(plan, 1, 1.0);
            result = new CompletableFuture<>();
            state.on(new RunEvent.StepRequested(STEP, BATCH, plan, reduction, result));
        }

        /** Shard {@code shard} from {@code worker}: its gradient, every element {@code value}, then the shard itself. */
        void deliver(WorkerHandle worker, int shard, float value) {
            state.on(new RunEvent.ParameterGradient(worker, STEP, shard, 0, Tensor.of(new float[] {value}, 1)));
            state.on(new RunEvent.ShardArrived(worker, STEP, shard, value, BATCH.length / shards));
        }

        void lose(WorkerHandle worker, String why, boolean brokeProtocol) {
            state.on(new RunEvent.WorkerGone(worker, why, brokeProtocol ? Status.INVALID_ARGUMENT.withDescription("…") : null));
        }

        /** The worker tags of meter {@code name}'s series. */
        Set<String> workerTags(String name) {
            return registry.find(name).meters().stream().map(m -> m.getId().getTag("worker")).collect(Collectors.toSet());
        }

        void clearStreams() {
            streams.values().forEach(RecordingStream::clear);
        }

        /** Everything the run decided: the lines reported, what each worker was sent, and the step's result. */
        List<String> decisions() {
            List<String> all = new ArrayList<>(events);
            sessions.forEach((name, session) -> all.add(name + ": " + streams.get(session.worker()).messages));
            all.add("result: " + result.getNow(Double.NaN));
            return all;
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
