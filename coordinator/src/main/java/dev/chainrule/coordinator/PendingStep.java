package dev.chainrule.coordinator;

import dev.chainrule.train.ShardGradient;
import dev.chainrule.train.ShardPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One step's shard gradients as they arrive: which worker owes which non-empty shard (shard s goes
 * to worker s mod W of the step's workers, in join order), what has arrived, and whether the step
 * failed. Thread-safe: sessions deliver on gRPC threads, the training thread {@link #await}s.
 */
final class PendingStep {
    private final long step;
    private final ShardPlan plan;
    private final List<WorkerHandle> workers;
    private final WorkerHandle[] owners;
    private final ShardGradient[] received;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private int missing;
    private String failure;

    /** Step {@code step} cut by {@code plan}, its shards spread over {@code workers} (non-empty, in join order). */
    PendingStep(long step, ShardPlan plan, List<WorkerHandle> workers) {
        this.step = step;
        this.plan = plan;
        this.workers = List.copyOf(workers);
        this.owners = new WorkerHandle[plan.shards()];
        this.received = new ShardGradient[plan.shards()];
        for (int s = 0; s < plan.shards(); s++) {
            if (plan.size(s) > 0) {
                owners[s] = this.workers.get(s % this.workers.size());
                missing++;
            }
        }
    }

    long step() {
        return step;
    }

    ShardPlan plan() {
        return plan;
    }

    /** The workers taking part, in join order. */
    List<WorkerHandle> workers() {
        return workers;
    }

    /** The non-empty shards {@code worker} computes, in shard order. */
    List<Integer> shardsOf(WorkerHandle worker) {
        List<Integer> shards = new ArrayList<>();
        for (int s = 0; s < owners.length; s++) {
            if (owners[s] == worker) {
                shards.add(s);
            }
        }
        return shards;
    }

    /** Checks that {@code worker} owes shard {@code shard} and has not delivered it yet. */
    void checkOwed(int shard, WorkerHandle worker) throws ProtocolException {
        if (shard < 0 || shard >= owners.length) {
            throw ProtocolException.invalid("step " + step + ": shard " + shard + " does not exist (expected: 0 <= shard < "
                    + owners.length + ")");
        }
        if (owners[shard] != worker) {
            throw ProtocolException.invalid("step " + step + ": shard " + shard + " is "
                    + (owners[shard] == null ? "empty" : "assigned to " + owners[shard].label()) + ", not to " + worker.label());
        }
        lock.lock();
        try {
            if (received[shard] != null) {
                throw ProtocolException.invalid("step " + step + ": shard " + shard + " was already received");
            }
        } finally {
            lock.unlock();
        }
    }

    /** Records shard {@code shard}'s gradient, which {@code worker} owed. */
    void deliver(int shard, WorkerHandle worker, ShardGradient gradient) throws ProtocolException {
        checkOwed(shard, worker);
        lock.lock();
        try {
            received[shard] = gradient;
            missing--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Fails the step with {@code message}, unless it already failed. */
    void fail(String message) {
        lock.lock();
        try {
            if (failure == null) {
                failure = message;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** {@code worker} has gone ({@code why}); the step fails if it still owes a shard. */
    void workerLost(WorkerHandle worker, String why) {
        lock.lock();
        try {
            List<Integer> owed = new ArrayList<>();
            for (int s = 0; s < owners.length; s++) {
                if (owners[s] == worker && received[s] == null) {
                    owed.add(s);
                }
            }
            if (!owed.isEmpty()) {
                fail("step " + step + ": " + worker.label() + " " + why + " before sending " + shards(owed));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every non-empty shard's gradient has arrived and returns them in shard order.
     *
     * @throws DistributedTrainingException when the step failed, or after {@code timeout}, naming
     *     the shards still missing and the workers that owe them
     */
    List<ShardGradient> await(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (missing > 0 && failure == null) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new DistributedTrainingException("step " + step + ": " + missingDescription() + " within "
                            + Durations.describe(timeout));
                }
                changed.awaitNanos(remaining);
            }
            if (failure != null) {
                throw new DistributedTrainingException(failure);
            }
            List<ShardGradient> gradients = new ArrayList<>();
            for (ShardGradient g : received) {
                if (g != null) {
                    gradients.add(g);
                }
            }
            return gradients;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributedTrainingException("step " + step + ": interrupted while waiting for " + missingDescription());
        } finally {
            lock.unlock();
        }
    }

    /** "no gradient for shard 2 from worker 1 (a, …) and shards 1, 3 from worker 0 (b, …)"; call with the lock held. */
    private String missingDescription() {
        Map<WorkerHandle, List<Integer>> byWorker = new LinkedHashMap<>();
        for (int s = 0; s < owners.length; s++) {
            if (owners[s] != null && received[s] == null) {
                byWorker.computeIfAbsent(owners[s], w -> new ArrayList<>()).add(s);
            }
        }
        List<String> parts = new ArrayList<>();
        byWorker.forEach((w, shards) -> parts.add(shards(shards) + " from " + w.labelWithLastSeen()));
        return "no gradient for " + String.join(" and ", parts);
    }

    private static String shards(List<Integer> shards) {
        StringBuilder s = new StringBuilder(shards.size() == 1 ? "shard " : "shards ");
        for (int i = 0; i < shards.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(shards.get(i));
        }
        return s.toString();
    }
}
