package dev.chainrule.coordinator;

import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.train.ShardPlan;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * The run's workers in join order, the step in progress, and whether the run has failed or closed.
 * Worker ids count up from 0 and are never reused. Thread-safe: sessions register and remove workers
 * on gRPC threads, the training thread waits for them and starts steps; lock order is this registry,
 * then the step, then a worker's outbox.
 */
final class WorkerRegistry {
    private final int capacity;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition joined = lock.newCondition();
    private final List<WorkerHandle> live = new ArrayList<>();
    private int nextId;
    private boolean closed;
    private String failure;
    private PendingStep current;

    /** A registry admitting at most {@code capacity} workers at a time. */
    WorkerRegistry(int capacity, Clock clock) {
        this.capacity = capacity;
        this.clock = clock;
    }

    /**
     * Admits a worker: gives it the next id, queues {@code welcome.apply(id)} on its outbox before
     * any step can reach it, and adds it to the live workers.
     */
    WorkerHandle register(String name, Outbox outbox, IntFunction<CoordinatorMessage> welcome) throws ProtocolException {
        lock.lock();
        try {
            if (closed || failure != null) {
                throw ProtocolException.exhausted("the run is over: " + (failure != null ? failure : "the coordinator is closing"));
            }
            if (live.size() >= capacity) {
                throw ProtocolException.exhausted("the run already has " + live.size() + " workers (expected: " + capacity + ")");
            }
            WorkerHandle worker = new WorkerHandle(nextId++, name, outbox, clock);
            outbox.send(welcome.apply(worker.id()));
            live.add(worker);
            joined.signalAll();
            return worker;
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code worker}, which has gone ({@code why}); fails the step in progress if it owes a shard there. */
    void remove(WorkerHandle worker, String why) {
        lock.lock();
        try {
            if (live.remove(worker) && current != null) {
                current.workerLost(worker, why);
            }
        } finally {
            lock.unlock();
        }
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

    /** Starts step {@code step} over the live workers, which it owes its shards to; it becomes the step in progress. */
    PendingStep startStep(long step, ShardPlan plan) {
        lock.lock();
        try {
            checkRunning();
            if (live.isEmpty()) {
                throw new DistributedTrainingException("step " + step + ": no worker is left to compute it");
            }
            current = new PendingStep(step, plan, live);
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

    private void checkRunning() {
        if (failure != null) {
            throw new DistributedTrainingException(failure);
        }
        if (closed) {
            throw new DistributedTrainingException("the coordinator is closed");
        }
    }
}
