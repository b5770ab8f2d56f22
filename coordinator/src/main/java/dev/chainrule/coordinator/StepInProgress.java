package dev.chainrule.coordinator;

import dev.chainrule.metrics.timeline.Track;
import dev.chainrule.proto.v1.PartitionReport;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import dev.chainrule.wire.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One step, from assignment to broadcast: who computes which non-empty shard, the shard gradients as
 * they arrive, the update, and the new weights going out.
 *
 * <p>At the start, shard s goes to worker s mod W of the step's W live workers (in join order), and
 * each of them is sent the step's weights it does not hold yet (usually none: they went out at the
 * end of the previous step) and its assignment. Each parameter's gradient of a shard goes to the
 * step's {@link StepReduction} as it arrives, which adds them in shard order. When every shard has
 * arrived, the step seals: the reduction has the optimiser update the parameters, the new weights go
 * out to the step's live workers, and the training thread gets the mean loss. Nothing moves the
 * weights before that, so a shard can be taken back out of the sums while the step is open.
 *
 * <p>When a worker is lost, its shards whose gradients have not all arrived are taken out of the sums
 * and reassigned: to the step's other live workers (one more StepAssignment each; every shard goes to
 * the one with the fewest outstanding shards); when none of those is left, to workers that joined
 * during the step (sent the step's weights first); when no worker is live at all, the shards wait,
 * unowned, for the next worker to join. A worker dropped for breaking the protocol has its complete
 * shards taken back too; a worker that merely went away keeps them (they passed every check, and the
 * shard-order sum gives the same bits whoever computed a shard). Whatever a lost worker sends
 * afterwards is ignored. The step fails when some shard has had no worker for the worker wait, or the
 * step timeout runs out.
 *
 * <p>In a partitioned run ({@link PartitionLeader}) the step holds no weights and sums nothing: it
 * opens the step on every partition, sends the workers their plans (not weights) and assignments, and
 * counts a shard as arrived once every partition reported it; the last one seals the step with the
 * reported losses added in shard order, while the partitions update. Nothing is taken back there: a
 * partition keeps the first copy of a shard it took in, so a worker that broke the protocol keeps
 * the shards every partition has; its others are reassigned as a lost worker's.
 *
 * <p>Threading: the event loop's alone (see {@link RunState}).
 */
final class StepInProgress {
    private final long step;
    private final int[] batch;
    private final ShardPlan plan;
    private final StepReduction reduction;
    private final CompletableFuture<Double> result;
    private final WeightsSender weights;
    private final List<Tensor> parameters;
    private final Track track;
    private final Duration workerWait;
    private final Duration stepTimeout;
    private final long startedNanos;
    /** The workers sent the step's weights, in the order they were sent them; lost ones stay. */
    private final List<WorkerHandle> workers;
    private final Set<WorkerHandle> lost = new HashSet<>();
    private final WorkerHandle[] owners;
    private final boolean[] received;
    private int missing;
    private boolean sealed;
    private boolean failed;
    /** System.nanoTime() since when some shard has had no live worker to compute it, or -1. */
    private long unownedSince = -1;
    /** The last loss of a worker, for the message when none is left. */
    private String lastWorkerLost;
    /** System.nanoTime() when the step's first shard arrived, or -1. */
    private long firstArrival = -1;
    /** When each worker's latest shard of the step arrived (System.nanoTime()). */
    private final Map<WorkerHandle, Long> lastArrival = new LinkedHashMap<>();
    /** A partitioned run's partitions, or null when this coordinator holds the weights itself. */
    private final PartitionLeader partitions;
    /** In a partitioned run: per partition, the shards it reported in. */
    private final boolean[][] shardInPartition;
    /** In a partitioned run: each shard's loss sum and samples, as the partitions report them. */
    private final double[] shardLossSums;
    private final int[] shardSamples;

    /**
     * The step {@code request} asks for, its shards spread over {@code live} (in join order; when
     * empty, every shard waits for a worker to join), its weights {@code parameters} sent through
     * {@code weights}; {@code lastWorkerLost} describes the last worker lost before the step, if any.
     * Once every gradient arrived, each worker's meters record how long after the first shard its last
     * shard came; {@code track} (the event loop's) records each shard-order add, the update
     * and each parameter's broadcast. Nothing is sent before {@link #start}.
     */
    StepInProgress(RunEvent.StepRequested request, List<Tensor> parameters, WeightsSender weights, List<WorkerHandle> live,
            String lastWorkerLost, CoordinatorSettings settings, Track track) {
        this(request, parameters, weights, live, lastWorkerLost, settings, track, null);
    }

    /**
     * As above, in a partitioned run when {@code partitions} is not null (placed already): the
     * partitions hold the weights, open the step when told, and report the shards they took in and
     * their updates; this step sends no weights and sums nothing.
     */
    StepInProgress(RunEvent.StepRequested request, List<Tensor> parameters, WeightsSender weights, List<WorkerHandle> live,
            String lastWorkerLost, CoordinatorSettings settings, Track track, PartitionLeader partitions) {
        this.partitions = partitions;
        this.track = track;
        this.step = request.step();
        this.batch = request.batch();
        this.plan = request.plan();
        this.reduction = request.reduction();
        this.result = request.result();
        this.parameters = List.copyOf(parameters);
        this.weights = weights;
        this.workerWait = settings.workerWait();
        this.stepTimeout = settings.stepTimeout();
        this.startedNanos = System.nanoTime();
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
            unownedSince = startedNanos;
        }
        int k = partitions == null ? 0 : partitions.placedPartitions();
        this.shardInPartition = new boolean[k][plan.shards()];
        this.shardLossSums = new double[plan.shards()];
        this.shardSamples = new int[plan.shards()];
    }

    long step() {
        return step;
    }

    /** Whether the step has ended: sealed (every shard arrived, the weights updated) or failed. */
    boolean ended() {
        return sealed || failed;
    }

    /** Whether every shard arrived and the weights were updated. */
    boolean sealed() {
        return sealed;
    }

    /** Sends each of the step's workers the step's weights it lacks and its assignment (possibly of no shard). */
    void start() {
        if (partitions != null) {
            partitions.openStep(step, batch.length, reduction.learningRate());
        }
        for (WorkerHandle worker : workers) {
            List<Integer> shards = shardsOf(worker);
            sendWeightsOrPlan(worker);
            worker.assign(new WorkerHandle.Duty(step, plan, shards));
            worker.outbox().sendAssignment(Messages.assignment(step, shards, batch, plan), shards.isEmpty());
        }
    }

    /** Before an assignment: the step's weights a worker lacks, or in a partitioned run the plan, if it has none. */
    private void sendWeightsOrPlan(WorkerHandle worker) {
        if (partitions != null) {
            partitions.sendPlan(worker, step);
        } else {
            weights.sendMissing(worker, step, parameters::get);
        }
    }

    /**
     * Partition {@code partition} (its host checked by the caller) reports that it took in a shard of
     * this step: once every partition has every non-empty shard, the step seals with the mean loss, the
     * shards' loss sums added in shard order and divided by the samples (the bits a partition's
     * reduction computes), while the partitions update. Ignored once the step has ended, or for another step.
     */
    void partitionShardIn(int partition, PartitionReport report) {
        int shard = report.getShardIn();
        if (ended() || report.getStep() != step || shard < 0 || shard >= owners.length || shardInPartition[partition][shard]) {
            return;
        }
        shardInPartition[partition][shard] = true;
        shardLossSums[shard] = report.getLossSum();
        shardSamples[shard] = report.getSamples();
        for (boolean[] in : shardInPartition) {
            if (!in[shard]) {
                return;
            }
        }
        if (received[shard]) {
            return;
        }
        received[shard] = true;
        missing--;
        long now = System.nanoTime();
        if (firstArrival < 0) {
            firstArrival = now;
        }
        if (owners[shard] != null) {
            lastArrival.put(owners[shard], now);
        }
        if (missing == 0) {
            lastArrival.forEach((w, at) -> w.meters().lateness(at - firstArrival));
            double lossSum = 0;
            int total = 0;
            for (int s = 0; s < owners.length; s++) {
                lossSum += shardLossSums[s];
                total += shardSamples[s];
            }
            sealed = true;
            result.complete(lossSum / total);
        }
    }

    /** The duty of a worker that joins now and computes nothing of this step. */
    WorkerHandle.Duty idleDuty() {
        return new WorkerHandle.Duty(step, plan, List.of());
    }

    /** The non-empty shards {@code worker} computes now, whether or not they arrived, in shard order. */
    List<Integer> shardsOf(WorkerHandle worker) {
        List<Integer> shards = new ArrayList<>();
        for (int s = 0; s < owners.length; s++) {
            if (owners[s] == worker) {
                shards.add(s);
            }
        }
        return shards;
    }

    /**
     * Shard {@code shard}'s gradient of parameter {@code parameter} from {@code worker}, arrived whole
     * and checked by its session: into the reduction. Ignored when it does not count (see
     * {@link #counts}). The gradient must stay unchanged until the step ends.
     */
    void gradient(WorkerHandle worker, int shard, int parameter, Tensor gradient) {
        if (counts(worker, shard)) {
            long start = track.now();
            reduction.add(shard, parameter, gradient);
            track.span(TimelineNames.ADD, start, step, shard, parameter);
        }
    }

    /**
     * Shard {@code shard} from {@code worker} has arrived whole, with its loss sum over
     * {@code samples} samples; the last shard to arrive seals the step. Ignored when it does not count.
     */
    void shardArrived(WorkerHandle worker, int shard, double lossSum, int samples) {
        if (!counts(worker, shard)) {
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
        if (missing == 0) {
            seal();
        }
    }

    /**
     * Whether what {@code worker} sends for shard {@code shard} counts: only while the step is open, the
     * worker live, and the shard its and not yet arrived. Its session checked that against the duty the
     * worker was given, so anything else is a message that crossed the worker's loss in flight.
     */
    private boolean counts(WorkerHandle worker, int shard) {
        return !ended() && !lost.contains(worker) && shard >= 0 && shard < owners.length && owners[shard] == worker && !received[shard];
    }

    /** Every shard is in: the optimiser updates the weights, they go out to the step's live workers, and the step ends. */
    private void seal() {
        lastArrival.forEach((w, at) -> w.meters().lateness(at - firstArrival));
        double meanLoss;
        long start = track.now();
        try {
            meanLoss = reduction.finish();
            track.span(TimelineNames.UPDATE, start, step, -1, -1);
        } catch (RuntimeException e) {
            fail("step " + step + ": " + e.getMessage());
            return;
        }
        sealed = true;
        List<WorkerHandle> recipients = stepWorkersLive();
        for (int p = 0; p < parameters.size(); p++) {
            long sending = track.now();
            weights.send(p, step + 1, parameters.get(p), recipients);
            track.span(TimelineNames.BROADCAST, sending, step, -1, p);
        }
        result.complete(meanLoss);
    }

    /** The step's workers that are not lost, in the order they were sent the step's weights. */
    private List<WorkerHandle> stepWorkersLive() {
        List<WorkerHandle> live = new ArrayList<>(workers);
        live.removeAll(lost);
        return live;
    }

    /** Fails the step with {@code message}, unless it already ended: the training thread gets a {@link DistributedTrainingException}. */
    void fail(String message) {
        if (ended()) {
            return;
        }
        failed = true;
        result.completeExceptionally(new DistributedTrainingException(message));
    }

    /**
     * {@code worker} has gone ({@code why}, e.g. "closed its stream"): its shards that have not all
     * arrived (and, when it {@code brokeProtocol}, those that have) are taken out of the sums and go to
     * other workers as the class comment says, chosen among the step's workers and {@code live} (the
     * run's live workers, in join order). Returns what happened, for the log.
     */
    String workerLost(WorkerHandle worker, String why, List<WorkerHandle> live, boolean brokeProtocol) {
        lost.add(worker);
        lastWorkerLost = worker.label() + " " + why;
        lastArrival.remove(worker);
        String what = lastWorkerLost + (sealed ? " after step " : " during step ") + step;
        if (ended()) {
            return what;
        }
        // a partition keeps the first copy of a shard it took in, so in a partitioned run nothing is taken back
        boolean takeBack = brokeProtocol && partitions == null;
        List<Integer> owed = new ArrayList<>();
        List<Integer> takenBack = new ArrayList<>();
        for (int s = 0; s < owners.length; s++) {
            if (owners[s] == worker && (!received[s] || takeBack)) {
                owners[s] = null;
                owed.add(s);
                if (received[s]) {
                    received[s] = false;
                    missing++;
                    takenBack.add(s);
                }
                if (partitions == null) {
                    reduction.retract(s);
                }
            }
        }
        if (owed.isEmpty()) {
            return what;
        }
        List<Integer> unsent = new ArrayList<>(owed);
        unsent.removeAll(takenBack);
        return what + (unsent.isEmpty() ? "" : " before sending " + shards(unsent))
                + (takenBack.isEmpty() ? "" : (unsent.isEmpty() ? "; " : ", and ") + "took back " + shards(takenBack) + ", which it had sent")
                + "; " + assign(owed, live);
    }

    /**
     * {@code worker} has joined, after the Welcome: when shards of this step wait for a worker, it is
     * sent the step's weights and all of them. Returns what happened for the log, or null when the
     * worker is not needed before the next step.
     */
    String workerJoined(WorkerHandle worker) {
        List<Integer> unowned = unowned();
        if (unowned.isEmpty() || ended()) {
            return null;
        }
        return worker.label() + " joined during step " + step + "; " + assign(unowned, List.of(worker));
    }

    /**
     * Fails the step when some shard has had no live worker for the worker wait, or when the step
     * timeout has run out since the step started (at {@code now}, in System.nanoTime()'s terms).
     */
    void checkDeadlines(long now) {
        if (ended()) {
            return;
        }
        if (unownedSince >= 0 && now - unownedSince >= workerWait.toNanos()) {
            fail(noWorkerLeft(workerWait, ""));
        } else if (now - startedNanos >= stepTimeout.toNanos()) {
            fail(unownedSince >= 0
                    ? noWorkerLeft(Duration.ofNanos(now - unownedSince), ", until the step timeout of " + Durations.describe(stepTimeout)
                            + " ran out")
                    : "step " + step + ": " + missingDescription() + " within " + Durations.describe(stepTimeout));
        }
    }

    /**
     * "step 7: no worker is left to compute shards 0, 1 (the last, worker 1 (b), closed its stream);
     * waited 60 s for one to join", with {@code until} appended.
     */
    String noWorkerLeft(Duration waited, String until) {
        return "step " + step + ": no worker is left to compute " + shards(unowned())
                + (lastWorkerLost == null ? "" : " (the last, " + lastWorkerLost + ")") + "; waited " + Durations.describe(waited)
                + " for one to join" + until;
    }

    /**
     * Gives {@code shards} (none of them owned) to the step's live workers, or else to {@code live}
     * workers not yet in the step (sending them the step's weights first), each shard to the
     * candidate with the fewest outstanding shards (the earlier on ties); with no candidate, they
     * wait for a worker to join. Returns what happened, for the log.
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
            sendWeightsOrPlan(w);
            w.assign(new WorkerHandle.Duty(step, plan, shardsOf(w)));
            w.outbox().sendAssignment(Messages.assignment(step, g.getValue(), batch, plan), false);
            parts.add(shards(g.getValue()) + " to " + w.label());
        }
        if (unowned().isEmpty()) {
            unownedSince = -1;
        }
        return "reassigned " + String.join(" and ", parts);
    }

    /** Shards {@code w} owns whose gradients have not arrived. */
    private int outstanding(WorkerHandle w) {
        int n = 0;
        for (int s = 0; s < owners.length; s++) {
            if (owners[s] == w && !received[s]) {
                n++;
            }
        }
        return n;
    }

    /** Non-empty shards without a gradient and without a worker. */
    private List<Integer> unowned() {
        List<Integer> shards = new ArrayList<>();
        for (int s = 0; s < owners.length; s++) {
            if (plan.size(s) > 0 && !received[s] && owners[s] == null) {
                shards.add(s);
            }
        }
        return shards;
    }

    /** "no gradient for shard 2 from worker 1 (a, …) and shards 1, 3 from worker 0 (b, …)". */
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
