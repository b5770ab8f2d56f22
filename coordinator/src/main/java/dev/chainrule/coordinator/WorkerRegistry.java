package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The run's live workers in join order, the step in progress, and whether the run has failed or
 * closed. Worker ids count up from 0 and are never reused.
 *
 * <p>Workers come and go: a worker may join whenever fewer than {@code capacity} are live (a
 * replacement when one is gone); it takes shards from the next step, or at once when shards of the
 * step in progress have no worker. A worker is removed when its session ends (the stream broke or
 * was completed, it left, or it broke the protocol) or when it has sent nothing for the heartbeat
 * timeout ({@link #expireSilent}, which also ends its session with DEADLINE_EXCEEDED); its shards of
 * the step in progress that have not arrived are reassigned by the {@link PendingStep} (for a worker
 * that broke the protocol, those that arrived too). Joins after the first step, every removal and
 * every worker refused before it had an id are reported, one line each, to the event consumer.
 *
 * <p>Thread-safe: sessions register and remove workers on gRPC threads, the training thread waits
 * for them, expires silent ones and starts steps; lock order is this registry, then the step, then a
 * worker's outbox. The event consumer is called without any lock held.
 */
final class WorkerRegistry {
    private final int capacity;
    private final Duration heartbeatTimeout;
    private final Clock clock;
    private final Consumer<String> events;
    private final CoordinatorMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition joined = lock.newCondition();
    private final List<WorkerHandle> live = new ArrayList<>();
    private int nextId;
    private boolean closed;
    private String failure;
    private String lastWorkerLost;
    private PendingStep current;

    /**
     * A registry admitting at most {@code capacity} live workers, dropping those silent for longer
     * than {@code heartbeatTimeout} by {@code clock}, and reporting joins and losses to {@code events}.
     */
    WorkerRegistry(int capacity, Duration heartbeatTimeout, Clock clock, Consumer<String> events) {
        this(capacity, heartbeatTimeout, clock, events, CoordinatorMetrics.disabled());
    }

    /** As above, each step recording its weights bytes and its workers' lateness in {@code metrics}. */
    WorkerRegistry(int capacity, Duration heartbeatTimeout, Clock clock, Consumer<String> events, CoordinatorMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.capacity = capacity;
        this.heartbeatTimeout = Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = Objects.requireNonNull(events, "events");
    }

    /**
     * Admits a worker: gives it the next id, queues {@code welcome.apply(id)} on its outbox before
     * any step can reach it, and adds it to the live workers; when shards of the step in progress
     * wait for a worker, it is sent that step's weights and those shards.
     */
    WorkerHandle register(String name, Outbox outbox, IntFunction<CoordinatorMessage> welcome) throws ProtocolException {
        String event = null;
        WorkerHandle worker;
        lock.lock();
        try {
            if (closed || failure != null) {
                throw ProtocolException.exhausted("the run is over: " + (failure != null ? failure : "the coordinator is closing"));
            }
            if (live.size() >= capacity) {
                throw ProtocolException.exhausted("the run already has " + live.size() + " workers (expected: at most " + capacity + ")");
            }
            worker = new WorkerHandle(nextId++, name, outbox, clock);
            outbox.send(welcome.apply(worker.id()));
            live.add(worker);
            if (current != null) {
                event = current.workerJoined(worker);
                if (event == null) {
                    event = worker.label() + " joined " + (current.complete() ? "after" : "during") + " step " + current.step()
                            + "; it takes shards from step " + (current.step() + 1);
                }
            }
            joined.signalAll();
        } finally {
            lock.unlock();
        }
        report(event);
        return worker;
    }

    /**
     * Removes {@code worker}, which has gone ({@code why}, e.g. "closed its stream"); its unfinished
     * shards of the step in progress go to other workers. Does nothing for a worker already removed.
     */
    void remove(WorkerHandle worker, String why) {
        remove(worker, why, false);
    }

    /**
     * Removes {@code worker}, dropped for breaking the protocol ({@code why}): as {@link #remove}, and
     * its shards of the step in progress that arrived are taken back and recomputed by others too.
     */
    void removeBroken(WorkerHandle worker, String why) {
        remove(worker, why, true);
    }

    private void remove(WorkerHandle worker, String why, boolean brokeProtocol) {
        String event;
        lock.lock();
        try {
            event = removeLocked(worker, why, brokeProtocol);
        } finally {
            lock.unlock();
        }
        report(event);
    }

    /** Reports that {@code who}, which has no worker id, was refused with {@code status} ("CODE: description"). */
    void refused(String who, String status) {
        report(who + " was refused (" + status + ")");
    }

    /**
     * Removes every live worker that has sent nothing for longer than the heartbeat timeout, as
     * {@link #remove} does, and ends its session with DEADLINE_EXCEEDED. Called by the training
     * thread before every step and while it waits for one.
     */
    void expireSilent() {
        List<WorkerHandle> expired = new ArrayList<>();
        List<String> reported = new ArrayList<>();
        lock.lock();
        try {
            for (WorkerHandle worker : List.copyOf(live)) {
                Duration silence = worker.silence();
                if (silence.compareTo(heartbeatTimeout) > 0) {
                    expired.add(worker);
                    reported.add(removeLocked(worker, "sent nothing for " + Durations.describe(silence) + " (heartbeat timeout "
                            + Durations.describe(heartbeatTimeout) + ")", false));
                }
            }
        } finally {
            lock.unlock();
        }
        for (WorkerHandle worker : expired) {
            worker.outbox().fail(Status.DEADLINE_EXCEEDED.withDescription(worker.label() + " sent nothing (not even a heartbeat) for"
                    + " longer than the heartbeat timeout of " + Durations.describe(heartbeatTimeout) + "; the coordinator dropped it"));
        }
        reported.forEach(this::report);
    }

    /** Fails the run with {@code message} (the first failure wins), waking whoever waits. */
    void fail(String message) {
        lock.lock();
        try {
            if (failure == null) {
                failure = message;
            }
            if (current != null) {
                current.fail(message);
            }
            joined.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Why the run failed, if it did. */
    Optional<String> failure() {
        lock.lock();
        try {
            return Optional.ofNullable(failure);
        } finally {
            lock.unlock();
        }
    }

    /** Waits until {@code count} workers are live, at most {@code wait}. */
    void awaitWorkers(int count, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        lock.lock();
        try {
            while (live.size() < count) {
                checkRunning();
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new DistributedTrainingException("waited " + Durations.describe(wait) + " for " + count
                            + " workers to join; " + live.size() + " joined" + (live.isEmpty() ? "" : ": " + live));
                }
                joined.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributedTrainingException("interrupted while waiting for " + count + " workers to join; "
                    + live.size() + " joined");
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts step {@code step}, {@code batch} cut by {@code plan}, over the live workers, sending each
     * the weights it lacks of {@code parameters} (through {@code weights}) and its assignment; the
     * gradients go to {@code reduction}; it becomes the step in progress. With no live worker, its
     * shards wait for one to join.
     */
    PendingStep startStep(long step, int[] batch, ShardPlan plan, StepReduction reduction, List<Tensor> parameters,
            WeightsSender weights) {
        lock.lock();
        try {
            checkRunning();
            current = new PendingStep(step, batch, plan, reduction, parameters, weights, live, lastWorkerLost, metrics);
            current.start();
            return current;
        } finally {
            lock.unlock();
        }
    }

    /** The step in progress (or the last one, once it completed), or null before the first. */
    PendingStep current() {
        lock.lock();
        try {
            return current;
        } finally {
            lock.unlock();
        }
    }

    /** How many workers are live now. */
    int liveCount() {
        lock.lock();
        try {
            return live.size();
        } finally {
            lock.unlock();
        }
    }

    /** Admits no more workers, fails a step still waiting with {@code reason}, and returns the live workers. */
    List<WorkerHandle> close(String reason) {
        lock.lock();
        try {
            closed = true;
            if (current != null) {
                current.fail(reason);
            }
            joined.signalAll();
            return List.copyOf(live);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes {@code worker} if live (taking back its arrived shards too when it {@code brokeProtocol});
     * returns the event to report, or null. Call with the lock held.
     */
    private String removeLocked(WorkerHandle worker, String why, boolean brokeProtocol) {
        if (!live.remove(worker)) {
            return null;
        }
        worker.markRemoved();
        lastWorkerLost = worker.label() + " " + why;
        if (closed || failure != null) {
            return brokeProtocol ? lastWorkerLost : null; // a rejection is reported whatever the run's state; a worker going away at the end is not
        }
        if (current == null) {
            return lastWorkerLost + " before the first step";
        }
        return brokeProtocol ? current.workerBrokeProtocol(worker, why, live) : current.workerLost(worker, why, live);
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

    private void checkRunning() {
        if (failure != null) {
            throw new DistributedTrainingException(failure);
        }
        if (closed) {
            throw new DistributedTrainingException("the coordinator is closed");
        }
    }
}
