package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One step's shard gradients as they arrive, and which worker computes which non-empty shard.
 *
 * <p>At the start, shard s goes to worker s mod W of the step's W live workers (in join order), and
 * each of them is sent the step's weights it does not hold yet (usually none: they went out as the
 * previous step updated them) and its assignment. Each parameter's gradient of a shard goes to the
 * step's {@link StepReduction} as soon as it has arrived whole and passed every check; when that
 * completes a parameter's sum, the parameter is updated and its new weights go out at once to the
 * step's live workers, while the other parameters' gradients still travel. When a worker is lost, its
 * shards whose gradients have not all arrived are reassigned: to the step's other live workers (one
 * more StepAssignment each; every shard goes to the one with the fewest outstanding shards); when none
 * of those is left, to workers that joined during the step; when no worker is live at all, the shards
 * wait, unowned, for the next worker to join. A worker given a reassigned shard is first sent the
 * step's starting weights of every parameter it no longer holds (those already updated come from the
 * reduction's copies). What a lost worker had sent of an unfinished shard is taken back out of the
 * reduction (updates it took part in are undone, and their weights sent again before they are used),
 * so nothing of a rejected or abandoned shard stays in the model; a worker dropped for breaking the
 * protocol has its complete shards taken back too ({@link #workerBrokeProtocol}), and whatever a lost
 * worker sends afterwards is ignored. Once the training thread has seen every shard arrive
 * ({@link #awaitUntil} returned true) the step is sealed: the reduction finishes it, and no later loss
 * changes it. The reduction adds each parameter's gradients in shard order whoever computed them, so
 * the bits of the update do not depend on who did (the README's "Distributed training" says why a
 * worker that merely goes away keeps its complete shards).
 *
 * <p>Thread-safe: the registry starts the step and reports losses and joins while holding its own
 * lock (lock order: registry, then this step, then a worker's outbox); sessions deliver gradients
 * on gRPC threads; the training thread waits in {@link #awaitUntil}.
 */
final class PendingStep {
    private final long step;
    private final int[] batch;
    private final ShardPlan plan;
    private final StepReduction reduction;
    private final WeightsSender weights;
    private final List<Tensor> parameters;
    /** The workers sent the step's weights, in the order they were sent them; lost ones stay. */
    private final List<WorkerHandle> workers;
    private final Set<WorkerHandle> lost = new HashSet<>();
    private final WorkerHandle[] owners;
    private final boolean[] received;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private int missing;
    /** Set when {@link #awaitUntil} saw every shard arrive: from then on the step belongs to the training thread. */
    private boolean sealed;
    private String failure;
    /** System.nanoTime() since when some shard has had no live worker to compute it, or -1. */
    private long unownedSince = -1;
    /** The last loss of a worker, for the message when none is left. */
    private String lastWorkerLost;
    private final CoordinatorMetrics metrics;
    /** System.nanoTime() when the step's first shard arrived, or -1. */
    private long firstArrival = -1;
    /** When each worker's latest shard of the step arrived (System.nanoTime()). */
    private final Map<WorkerHandle, Long> lastArrival = new LinkedHashMap<>();

    /**
     * Step {@code step}: {@code batch} cut by {@code plan}, its shards spread over {@code live} (in
     * join order; when empty, every shard waits for a worker to join); the gradients go to
     * {@code reduction} (begun for this step, undoable, over {@code parameters}), and the weights out
     * through {@code weights}; {@code lastWorkerLost} describes the last worker lost before the step, if any.
     * {@code metrics} records, once every gradient arrived, how long after the first shard each
     * worker's last shard came. Nothing is sent before {@link #start}.
     */
    PendingStep(long step, int[] batch, ShardPlan plan, StepReduction reduction, List<Tensor> parameters, WeightsSender weights,
            List<WorkerHandle> live, String lastWorkerLost, CoordinatorMetrics metrics) {
        this.metrics = metrics;
        this.step = step;
        this.batch = batch;
        this.plan = plan;
        this.reduction = reduction;
        this.parameters = List.copyOf(parameters);
        this.weights = weights;
        this.workers = new ArrayList<>(live);
        this.owners = new WorkerHandle[plan.shards()];
        this.received = new boolean[plan.shards()];
        this.lastWorkerLost = lastWorkerLost;
        for (int s = 0; s < plan.shards(); s++) {
            if (plan.size(s) > 0) {
                owners[s] = workers.isEmpty() ? null : workers.get(s % workers.size());
                missing++;
            }
        }
        if (workers.isEmpty() && missing > 0) {
            unownedSince = System.nanoTime();
        }
    }

    long step() {
        return step;
    }

    ShardPlan plan() {
        return plan;
    }

    /** Whether every non-empty shard's gradient has arrived. */
    boolean complete() {
        lock.lock();
        try {
            return missing == 0;
        } finally {
            lock.unlock();
        }
    }

    /** Sends each of the step's workers the step's weights it lacks and its assignment (possibly of no shard). */
    void start() {
        lock.lock();
        try {
            for (WorkerHandle worker : workers) {
                List<Integer> shards = shardsOf(worker);
                weights.sendMissing(worker, step, reduction::startingValues);
                worker.outbox().sendAssignment(Messages.assignment(step, shards, batch, plan), shards.isEmpty());
            }
        } finally {
            lock.unlock();
        }
    }

    /** The non-empty shards {@code worker} computes now, whether or not they arrived, in shard order. */
    List<Integer> shardsOf(WorkerHandle worker) {
        lock.lock();
        try {
            List<Integer> shards = new ArrayList<>();
            for (int s = 0; s < owners.length; s++) {
                if (owners[s] == worker) {
                    shards.add(s);
                }
            }
            return shards;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Checks that {@code worker} owes shard {@code shard} and has not delivered it yet. A lost
     * worker passes: what it sends is ignored, not an error.
     */
    void checkOwed(int shard, WorkerHandle worker) throws ProtocolException {
        lock.lock();
        try {
            if (lost.contains(worker)) {
                return;
            }
            if (shard < 0 || shard >= owners.length) {
                throw ProtocolException.invalid("step " + step + ": shard " + shard + " does not exist (expected: 0 <= shard < "
                        + owners.length + ")");
            }
            if (owners[shard] != worker) {
                String owner = plan.size(shard) == 0 ? "empty" : owners[shard] == null ? "not assigned to any worker"
                        : "assigned to " + owners[shard].label();
                throw ProtocolException.precondition("step " + step + ": shard " + shard + " is " + owner + ", not to " + worker.label());
            }
            if (received[shard]) {
                throw ProtocolException.precondition("step " + step + ": shard " + shard + " was already received");
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands shard {@code shard}'s gradient of parameter {@code parameter}, arrived whole and checked,
     * to the reduction; when that updates the parameter, its new weights go out to the step's live
     * workers. Ignored when {@code worker} was lost or the step failed. The gradient must stay
     * unchanged until the step ends.
     */
    void deliverGradient(int shard, WorkerHandle worker, int parameter, Tensor gradient) throws ProtocolException {
        lock.lock();
        try {
            if (counts(shard, worker) && reduction.add(shard, parameter, gradient)) {
                weights.send(parameter, step + 1, parameters.get(parameter), stepWorkersLive());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records that shard {@code shard}, which {@code worker} owed, has arrived whole, with its loss
     * sum over {@code samples} samples; ignored when {@code worker} was lost or the step failed.
     */
    void deliver(int shard, WorkerHandle worker, double lossSum, int samples) throws ProtocolException {
        lock.lock();
        try {
            if (!counts(shard, worker)) {
                return;
            }
            reduction.addLoss(shard, lossSum, samples);
            received[shard] = true;
            missing--;
            long now = System.nanoTime();
            if (firstArrival < 0) {
                firstArrival = now;
            }
            lastArrival.put(worker, now);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether what {@code worker} sends for shard {@code shard} counts: not once the worker was lost or
     * the step failed; otherwise the worker must owe the shard. Call with the lock held.
     */
    private boolean counts(int shard, WorkerHandle worker) throws ProtocolException {
        if (lost.contains(worker) || failure != null) {
            return false;
        }
        checkOwed(shard, worker);
        return true;
    }

    /** The step's workers that are not lost, in the order they were sent the step's weights; call with the lock held. */
    private List<WorkerHandle> stepWorkersLive() {
        List<WorkerHandle> live = new ArrayList<>(workers);
        live.removeAll(lost);
        return live;
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

    /**
     * {@code worker} has gone ({@code why}, e.g. "closed its stream"): its shards that have not
     * arrived go to other workers as the class comment says, chosen among the step's workers and
     * {@code live} (the registry's live workers, in join order); those that arrived stay, since they
     * passed every check. Returns what happened, for the log.
     */
    String workerLost(WorkerHandle worker, String why, List<WorkerHandle> live) {
        return lose(worker, why, live, false);
    }

    /**
     * {@code worker} was dropped for breaking the protocol ({@code why}): as {@link #workerLost}, but
     * its shards that arrived are taken back and recomputed by others as well, unless the step is
     * sealed. Returns what happened, for the log.
     */
    String workerBrokeProtocol(WorkerHandle worker, String why, List<WorkerHandle> live) {
        return lose(worker, why, live, true);
    }

    private String lose(WorkerHandle worker, String why, List<WorkerHandle> live, boolean takeBackArrived) {
        lock.lock();
        try {
            lost.add(worker);
            lastWorkerLost = worker.label() + " " + why;
            boolean wasComplete = missing == 0;
            List<Integer> owed = new ArrayList<>();
            List<Integer> takenBack = new ArrayList<>();
            for (int s = 0; s < owners.length; s++) {
                if (owners[s] == worker && (!received[s] || takeBackArrived && !sealed && failure == null)) {
                    owners[s] = null;
                    owed.add(s);
                    if (received[s]) {
                        received[s] = false;
                        missing++;
                        takenBack.add(s);
                    }
                }
            }
            lastArrival.remove(worker);
            String what = lastWorkerLost + (wasComplete && takenBack.isEmpty() ? " after step " : " during step ") + step;
            if (owed.isEmpty()) {
                return what;
            }
            if (failure == null) {
                retract(owed);
            }
            List<Integer> unsent = new ArrayList<>(owed);
            unsent.removeAll(takenBack);
            return what + (unsent.isEmpty() ? "" : " before sending " + shards(unsent))
                    + (takenBack.isEmpty() ? "" : (unsent.isEmpty() ? "; " : ", and ") + "took back " + shards(takenBack)
                    + ", which it had sent")
                    + (failure != null ? "" : "; " + assign(owed, live));
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code worker} has joined, after the Welcome: when shards of this step wait for a worker, it is
     * sent the step's weights and all of them. Returns what happened for the log, or null when the
     * worker is not needed before the next step.
     */
    String workerJoined(WorkerHandle worker) {
        lock.lock();
        try {
            List<Integer> unowned = unowned();
            if (unowned.isEmpty() || failure != null) {
                return null;
            }
            return worker.label() + " joined during step " + step + "; " + assign(unowned, List.of(worker));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every non-empty shard's gradient has arrived, or until {@code deadlineNanos} (in
     * {@link System#nanoTime()}'s terms); returns whether they all arrived. Returning true seals the
     * step, in the same hold of the lock: no later loss of a worker takes anything of it back.
     *
     * @throws DistributedTrainingException when the step failed, or the thread was interrupted
     */
    boolean awaitUntil(long deadlineNanos) {
        lock.lock();
        try {
            while (missing > 0 && failure == null) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                changed.awaitNanos(remaining);
            }
            if (failure != null) {
                throw new DistributedTrainingException(failure);
            }
            if (!sealed) {
                sealed = true;
                lastArrival.forEach((w, at) -> metrics.workerLateness(w.id(), at - firstArrival));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributedTrainingException("step " + step + ": interrupted while waiting for " + missingDescription());
        } finally {
            lock.unlock();
        }
    }

    /** Since when (System.nanoTime()) some shard has had no live worker to compute it; empty while every shard has one. */
    OptionalLong unownedSince() {
        lock.lock();
        try {
            return unownedSince < 0 ? OptionalLong.empty() : OptionalLong.of(unownedSince);
        } finally {
            lock.unlock();
        }
    }

    /** The failure after {@code timeout} without every gradient: which shards are missing and which workers owe them. */
    DistributedTrainingException timedOut(Duration timeout) {
        lock.lock();
        try {
            return new DistributedTrainingException("step " + step + ": " + missingDescription() + " within " + Durations.describe(timeout));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The failure when no worker is left: "step 7: no worker is left to compute shards 0, 1 (the last,
     * worker 1 (b), closed its stream); waited 60 s for one to join", with {@code until} appended.
     */
    DistributedTrainingException noWorkerLeft(Duration waited, String until) {
        lock.lock();
        try {
            return new DistributedTrainingException("step " + step + ": no worker is left to compute " + shards(unowned())
                    + (lastWorkerLost == null ? "" : " (the last, " + lastWorkerLost + ")") + "; waited " + Durations.describe(waited)
                    + " for one to join" + until);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives {@code shards} (none of them owned) to the step's live workers, or else to {@code live}
     * workers not yet in the step (sending them the step's weights first), each shard to the
     * candidate with the fewest outstanding shards (the earlier on ties); with no candidate, they
     * wait for a worker to join. Call with the lock held; returns what happened, for the log.
     */
    private String assign(List<Integer> shards, List<WorkerHandle> live) {
        List<WorkerHandle> candidates = stepWorkersLive();
        if (candidates.isEmpty()) {
            for (WorkerHandle w : live) {
                if (!lost.contains(w) && !workers.contains(w)) {
                    candidates.add(w);
                }
            }
        }
        if (candidates.isEmpty()) {
            if (unownedSince < 0) {
                unownedSince = System.nanoTime();
            }
            return "no worker is left to compute " + (shards.size() == 1 ? "it" : "them") + "; waiting for one to join";
        }
        Map<WorkerHandle, List<Integer>> given = new LinkedHashMap<>();
        for (int s : shards) {
            WorkerHandle least = candidates.get(0);
            for (WorkerHandle w : candidates) {
                if (outstanding(w) < outstanding(least)) {
                    least = w;
                }
            }
            owners[s] = least;
            given.computeIfAbsent(least, w -> new ArrayList<>()).add(s);
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<WorkerHandle, List<Integer>> g : given.entrySet()) {
            WorkerHandle w = g.getKey();
            if (!workers.contains(w)) {
                workers.add(w);
            }
            weights.sendMissing(w, step, reduction::startingValues);
            w.outbox().sendAssignment(Messages.assignment(step, g.getValue(), batch, plan), false);
            parts.add(shards(g.getValue()) + " to " + w.label());
        }
        if (unowned().isEmpty()) {
            unownedSince = -1;
        }
        changed.signalAll();
        return "reassigned " + String.join(" and ", parts);
    }

    /**
     * Takes {@code shards} (a lost worker's unfinished ones) back out of the reduction. When that took
     * back updates, every worker may hold weights that no longer exist: it is sent the parameters
     * again before it next computes. Call with the lock held.
     */
    private void retract(List<Integer> shards) {
        boolean[] updatedBefore = new boolean[parameters.size()];
        for (int p = 0; p < updatedBefore.length; p++) {
            updatedBefore[p] = reduction.updated(p);
        }
        boolean changed = false;
        for (int s : shards) {
            changed |= reduction.retract(s);
        }
        if (!changed) {
            return;
        }
        List<WorkerHandle> recipients = stepWorkersLive();
        for (int p = 0; p < updatedBefore.length; p++) {
            if (updatedBefore[p]) {
                for (WorkerHandle w : workers) {
                    w.forgetSent(p);
                }
            }
            if (reduction.updated(p)) {
                weights.send(p, step + 1, parameters.get(p), recipients);
            }
        }
    }

    /** Shards {@code w} owns whose gradients have not arrived; call with the lock held. */
    private int outstanding(WorkerHandle w) {
        int n = 0;
        for (int s = 0; s < owners.length; s++) {
            if (owners[s] == w && !received[s]) {
                n++;
            }
        }
        return n;
    }

    /** Non-empty shards without a gradient and without a worker; call with the lock held. */
    private List<Integer> unowned() {
        List<Integer> shards = new ArrayList<>();
        for (int s = 0; s < owners.length; s++) {
            if (plan.size(s) > 0 && !received[s] && owners[s] == null) {
                shards.add(s);
            }
        }
        return shards;
    }

    /** "no gradient for shard 2 from worker 1 (a, …) and shards 1, 3 from worker 0 (b, …)"; call with the lock held. */
    private String missingDescription() {
        Map<WorkerHandle, List<Integer>> byWorker = new LinkedHashMap<>();
        for (int s = 0; s < owners.length; s++) {
            if (owners[s] != null && !received[s]) {
                byWorker.computeIfAbsent(owners[s], w -> new ArrayList<>()).add(s);
            }
        }
        List<String> parts = new ArrayList<>();
        byWorker.forEach((w, shards) -> parts.add(shards(shards) + " from " + w.labelWithLastSeen()));
        List<Integer> unowned = unowned();
        if (!unowned.isEmpty()) {
            parts.add(shards(unowned) + ", which no live worker holds");
        }
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
