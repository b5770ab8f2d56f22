package dev.chainrule.coordinator;

import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.metrics.timeline.Track;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.wire.Durations;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The run's state and every decision about it: the live workers in join order, the step in progress
 * ({@link StepInProgress}), whether the run has failed or closed. Each {@link RunEvent} is handled by
 * {@link #on}, on the event loop's thread, which alone touches this state (no lock guards it); the
 * decisions go out as messages on the workers' outboxes, lines to the event consumer, and the
 * training thread's results.
 *
 * <p>Workers come and go: a worker may join whenever fewer than {@code capacity} are live (a
 * replacement when one is gone); it takes shards from the next step, or at once when shards of the
 * step in progress have no worker. Worker ids count up from 0 and are never reused. A worker is
 * removed when its session ends (the stream broke or was completed, it left, or it broke the
 * protocol) or when it has sent nothing for the heartbeat timeout (checked at every tick; its session
 * then ends with DEADLINE_EXCEEDED); the step in progress reassigns its shards. Joins after the first
 * step, every removal and every worker refused are reported, one line each, to the event consumer.
 * In a partitioned run the first step places the partitions ({@link PartitionLeader#place}), the
 * hosts' reports go to the step in progress, and losing a host fails the run, or, when the run
 * writes checkpoints, sends it back to its newest one ({@link #rollBack}).
 */
final class RunState {
    private final int capacity;
    private final Duration heartbeatTimeout;
    private final Clock clock;
    private final CoordinatorSettings settings;
    private final CoordinatorMetrics metrics;
    private final List<Tensor> parameters;
    private final WeightsSender weights;
    private final IntFunction<CoordinatorMessage> welcome;
    private final Consumer<String> events;
    private final List<WorkerHandle> live = new ArrayList<>();
    /** Every admitted session by worker id, kept after it ends, so that an old id is told apart from one never given out. */
    private final Map<Integer, WorkerSession> admitted = new HashMap<>();
    private final List<RunEvent.WorkersAwaited> awaited = new ArrayList<>();
    private int nextId;
    private boolean closed;
    private String failure;
    private volatile int liveCount;
    private volatile long stepsCompleted;
    private volatile int rejoining;
    private String lastWorkerLost;
    private StepInProgress current;
    /** A partitioned run's partitions, or null when this coordinator holds the weights. */
    private PartitionLeader partitions;
    private final Track loopTrack;

    /**
     * The state of a run whose workers compute gradients of {@code parameters} (sent out through
     * {@code weights}); at most {@code settings.expectedWorkers()} live at once; each admitted worker
     * is sent {@code welcome.apply(id)} first; joins and losses are reported to {@code events}; silence
     * is timed by {@code clock}.
     */
    RunState(CoordinatorSettings settings, List<Tensor> parameters, WeightsSender weights, IntFunction<CoordinatorMessage> welcome,
            Clock clock, Consumer<String> events, CoordinatorMetrics metrics) {
        this(settings, parameters, weights, welcome, clock, events, metrics, Timeline.off().track("event loop"));
    }

    /** As above, each step recording its sums, update and broadcast on {@code loopTrack}, the event loop's track. */
    RunState(CoordinatorSettings settings, List<Tensor> parameters, WeightsSender weights, IntFunction<CoordinatorMessage> welcome,
            Clock clock, Consumer<String> events, CoordinatorMetrics metrics, Track loopTrack) {
        this.loopTrack = Objects.requireNonNull(loopTrack, "loopTrack");
        this.settings = settings;
        this.capacity = settings.expectedWorkers();
        this.heartbeatTimeout = settings.heartbeatTimeout();
        this.parameters = List.copyOf(parameters);
        this.weights = weights;
        this.welcome = welcome;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = Objects.requireNonNull(events, "events");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Makes this a partitioned run's leader, before the first event. */
    void partitioned(PartitionLeader leader) {
        this.partitions = Objects.requireNonNull(leader, "leader");
    }

    /** Handles one event. */
    void on(RunEvent event) {
        if (event instanceof RunEvent.Joining j) {
            join(j);
        } else if (event instanceof RunEvent.Refused r) {
            refuse(r.session(), r.status());
        } else if (event instanceof RunEvent.ParameterGradient g) {
            if (current != null && current.step() == g.step()) {
                current.gradient(g.worker(), g.shard(), g.parameter(), g.gradient());
            }
        } else if (event instanceof RunEvent.PartitionReported r) {
            partitionReported(r);
        } else if (event instanceof RunEvent.ShardArrived a) {
            shardArrived(a);
        } else if (event instanceof RunEvent.WorkerGone g) {
            remove(g.worker(), g.why(), g.rejection() != null);
            if (g.rejection() != null) {
                g.worker().outbox().fail(g.rejection()); // after the line that says why
            }
        } else if (event instanceof RunEvent.RunFailed f) {
            fail(f.message());
        } else if (event instanceof RunEvent.StepRequested s) {
            startStep(s);
        } else if (event instanceof RunEvent.WorkersAwaited w) {
            awaited.add(w);
            settleAwaits();
        } else if (event instanceof RunEvent.Closing c) {
            close(c);
        } else if (event instanceof RunEvent.Tick) {
            tick();
        } else {
            throw new IllegalArgumentException("unknown event " + event);
        }
    }

    /** How many workers are live now; readable from any thread. */
    int liveCount() {
        return liveCount;
    }

    /** The number of the step after the last one that sealed (counting those before a resumed run's first); readable from any thread. */
    long stepsCompleted() {
        return stepsCompleted;
    }

    private void join(RunEvent.Joining j) {
        WorkerSession session = j.session();
        if (session.ended()) {
            return; // gone before it was admitted
        }
        try {
            if (j.previousId() >= 0) {
                checkPrevious(j.previousId(), session.who());
            }
            if (over()) {
                throw ProtocolException.exhausted("the run is over: " + whyOver());
            }
            if (live.size() >= capacity) {
                throw ProtocolException.exhausted("the run already has " + live.size() + " workers (expected: at most " + capacity + ")");
            }
        } catch (ProtocolException e) {
            metrics.rejectedMessage(e.status().getCode().name());
            refuse(session, e.status());
            return;
        }
        int id = nextId++;
        WorkerHandle worker = new WorkerHandle(id, j.name(), session.outbox(), clock, j.partitionAddress(), metrics.worker(id));
        admitted.put(worker.id(), session);
        worker.assign(current == null ? WorkerHandle.Duty.NONE : current.idleDuty());
        session.admitted(worker);
        session.outbox().send(welcome.apply(worker.id()));
        live.add(worker);
        liveCount = live.size();
        String event = null;
        if (current == null && rejoining > 0) {
            event = worker.label() + " joined after the run went back to its newest checkpoint";
        } else if (current != null) {
            event = current.workerJoined(worker);
            if (event == null) {
                event = worker.label() + " joined " + (current.ended() ? "after" : "during") + " step " + current.step()
                        + "; it takes shards from step " + (current.step() + 1);
            }
        }
        report(event);
        settleAwaits();
        if (session.ended()) {
            remove(worker, session.endReason(), false); // it ended while being admitted, before it knew its worker
        }
    }

    /** Reports the refusal of {@code session}, then ends it with {@code status}: whoever sees the status finds the line. */
    private void refuse(WorkerSession session, Status status) {
        report(session.refusal(status));
        session.refuse(status);
    }

    /** A reconnecting worker's earlier id must be one this run gave out, to a session that has ended. */
    private void checkPrevious(int previous, String who) throws ProtocolException {
        WorkerSession earlier = admitted.get(previous);
        if (earlier == null) {
            int highest = nextId - 1;
            throw ProtocolException.notFound(who + " rejoins as worker " + previous + ", an id this run never gave out (expected: "
                    + (highest < 0 ? "no previous_worker_id, since no worker has joined yet" : "an id from 0 to " + highest) + ")");
        }
        if (earlier.isOpen()) {
            throw ProtocolException.precondition(who + " rejoins as worker " + previous + ", but " + earlier.label()
                    + "'s session is still open (expected: the id of a worker whose session has ended)");
        }
    }

    private void shardArrived(RunEvent.ShardArrived a) {
        if (current != null && current.step() == a.step()) {
            current.shardArrived(a.worker(), a.shard(), a.lossSum(), a.samples());
            if (current.sealed()) {
                stepsCompleted = current.step() + 1;
            }
        }
    }

    private void startStep(RunEvent.StepRequested request) {
        if (over()) {
            request.result().completeExceptionally(new DistributedTrainingException(whyOver()));
            return;
        }
        expireSilent();
        if (partitions != null && request.placement() != partitions.placement().id()) {
            request.result().completeExceptionally(new DistributedTrainingException("step " + request.step() + " was asked for after the"
                    + " run went back to its newest checkpoint"));
            return;
        }
        if (partitions != null && !partitions.placed()) {
            String unplaced = partitions.place(live, request.step(), weights, parameters::get,
                    request.reduction().optimizerState());
            if (unplaced != null) {
                fail("step " + request.step() + ": " + unplaced);
                request.result().completeExceptionally(new DistributedTrainingException(whyOver()));
                return;
            }
            report(partitions.describe());
        }
        stepsCompleted = request.step(); // every step before it sealed: a resumed run's first, or the checkpoint's after going back
        current = new StepInProgress(request, parameters, weights, live, lastWorkerLost, settings, loopTrack, partitions);
        current.start();
    }

    /** A host's report of its partition: to the step it belongs to; a report of a partition the worker does not host ends its session. */
    private void partitionReported(RunEvent.PartitionReported r) {
        if (!live.contains(r.worker())) {
            return; // a report from before the run went back to its checkpoint, or from a worker already gone
        }
        int partition = r.report().getPartition();
        if (partitions == null || partitions.hostedBy(r.worker()) != partition) {
            Status status = Status.FAILED_PRECONDITION.withDescription("a report of partition " + partition + " from "
                    + r.worker().label() + ", which " + (partitions == null ? "is in a run without partitions"
                    : "hosts " + (partitions.hostedBy(r.worker()) < 0 ? "none" : "partition " + partitions.hostedBy(r.worker()))));
            remove(r.worker(), "sent " + status.getDescription(), true);
            r.worker().outbox().fail(status);
            return;
        }
        switch (r.report().getKindCase()) {
            case SHARD_IN -> {
                if (current != null) {
                    current.partitionShardIn(partition, r.report());
                    if (current.sealed()) {
                        stepsCompleted = current.step() + 1;
                    }
                }
            }
            case FAILED -> fail("step " + r.report().getStep() + ", partition " + partition + ": " + r.report().getFailed());
            default -> {
                // an update done: the workers wait for its weights themselves
            }
        }
    }

    /**
     * Removes {@code worker} if live (taking back its arrived shards too when it {@code brokeProtocol})
     * and reports it. Does nothing for a worker already removed.
     */
    private void remove(WorkerHandle worker, String why, boolean brokeProtocol) {
        if (!live.remove(worker)) {
            return;
        }
        liveCount = live.size();
        worker.markRemoved();
        if (!over()) {
            worker.meters().remove(); // a worker that joins again is a new worker with series of its own
        }
        lastWorkerLost = worker.label() + " " + why;
        if (partitions != null && partitions.hostedBy(worker) >= 0 && !over()) {
            String lost = lastWorkerLost + (current == null ? "" : (current.ended() ? " after step " : " during step ") + current.step())
                    + ", and it hosted partition " + partitions.hostedBy(worker);
            if (partitions.rollsBack()) {
                rollBack(lost);
                return;
            }
            String message = lost + "; a partitioned run cannot go on without one of its partitions (with --checkpoint-dir it goes back"
                    + " to its newest checkpoint instead)";
            report(message);
            fail(message);
            return;
        }
        if (over()) {
            if (brokeProtocol) {
                report(lastWorkerLost); // a rejection is reported whatever the run's state; a worker going away at the end is not
            }
            return;
        }
        report(current == null ? lastWorkerLost + " before the first step" : current.workerLost(worker, why, live, brokeProtocol));
    }

    /**
     * A host was lost ({@code lost} says which, and when): the run goes back to its newest checkpoint.
     * Forgets the partitions' placement, ends every live worker's session with Stop (not finished, so
     * that each joins again, as a new worker, and its process may host a partition of the next
     * placement) and fails the step in progress; the training thread sees the new placement, goes back
     * to the checkpoint and waits for {@link #rejoining} workers before its next step.
     */
    private void rollBack(String lost) {
        String message = lost + "; the run goes back to its newest checkpoint and places its partitions again on the " + live.size()
                + " workers left, which join again";
        report(message);
        partitions.reset();
        rejoining = live.size();
        CoordinatorMessage stop = Messages.stop(message, false);
        for (WorkerHandle other : List.copyOf(live)) {
            live.remove(other);
            other.markRemoved();
            other.meters().remove(); // it joins again as a new worker
            other.outbox().finish(stop);
        }
        liveCount = 0;
        if (current != null) {
            current.fail(message);
            current = null;
        }
    }

    /** How many workers the last {@link #rollBack} asked to join again; readable from any thread. */
    int rejoining() {
        return rejoining;
    }

    /** Fails the run with {@code message} (the first failure wins): the step in progress and whoever waits for workers fail. */
    private void fail(String message) {
        if (failure == null) {
            failure = message;
        }
        if (current != null) {
            current.fail(message);
        }
        settleAwaits();
    }

    private void tick() {
        expireSilent();
        long now = System.nanoTime();
        if (current != null) {
            current.checkDeadlines(now);
        }
        settleAwaits();
    }

    /**
     * Removes every live worker that has sent nothing for longer than the heartbeat timeout, as a lost
     * worker, and ends its session with DEADLINE_EXCEEDED.
     */
    private void expireSilent() {
        for (WorkerHandle worker : List.copyOf(live)) {
            Duration silence = worker.silence();
            if (silence.compareTo(heartbeatTimeout) > 0) {
                remove(worker, "sent nothing for " + Durations.describe(silence) + " (heartbeat timeout "
                        + Durations.describe(heartbeatTimeout) + ")", false);
                worker.outbox().fail(Status.DEADLINE_EXCEEDED.withDescription(worker.label() + " sent nothing (not even a heartbeat) for"
                        + " longer than the heartbeat timeout of " + Durations.describe(heartbeatTimeout) + "; the coordinator dropped it"));
            }
        }
    }

    /** Completes each wait for workers that is met, has run out, or can no longer be met. */
    private void settleAwaits() {
        long now = System.nanoTime();
        for (RunEvent.WorkersAwaited w : List.copyOf(awaited)) {
            if (live.size() >= w.count()) {
                w.result().complete(null);
            } else if (over()) {
                w.result().completeExceptionally(new DistributedTrainingException(whyOver()));
            } else if (now - w.deadlineNanos() >= 0 && live.size() >= w.enough()) {
                w.result().complete(null);
            } else if (now - w.deadlineNanos() >= 0) {
                w.result().completeExceptionally(new DistributedTrainingException("waited " + Durations.describe(w.patience())
                        + " for " + w.count() + " workers to join; " + live.size() + " joined" + (live.isEmpty() ? "" : ": " + live)));
            } else {
                continue;
            }
            awaited.remove(w);
        }
    }

    /**
     * Admits no more workers, fails a step still open, and sends every live worker Stop: finished when
     * every one of {@code totalSteps} steps sealed and nothing failed, otherwise with the reason.
     */
    private void close(RunEvent.Closing closing) {
        boolean finished = failure == null && stepsCompleted == closing.totalSteps();
        String reason = finished ? "training finished after " + stepsCompleted + " steps"
                : failure != null ? failure : "the coordinator closed after " + stepsCompleted + " of " + closing.totalSteps() + " steps";
        closed = true;
        if (current != null) {
            current.fail(reason);
        }
        settleAwaits();
        CoordinatorMessage stop = Messages.stop(reason, finished);
        for (WorkerHandle worker : live) {
            worker.outbox().finish(stop);
        }
        closing.done().complete(null);
    }

    /** Whether nothing more can happen in the run: it failed, or the coordinator is closing. */
    private boolean over() {
        return closed || failure != null;
    }

    /** Why the run is {@link #over}: its failure, or that the coordinator is closing. */
    private String whyOver() {
        return failure != null ? failure : "the coordinator is closing";
    }

    private void report(String event) {
        if (event != null) {
            try {
                events.accept(event);
            } catch (RuntimeException e) {
                // a failing log must not break a session or the run
            }
        }
    }
}
