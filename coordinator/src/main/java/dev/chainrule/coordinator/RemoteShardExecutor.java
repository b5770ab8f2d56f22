package dev.chainrule.coordinator;

import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.metrics.timeline.Track;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import dev.chainrule.wire.Durations;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Has the joined workers compute each step's shard gradients: the training thread's side of the
 * {@link CoordinatorLoop}. Before the first step it waits for the expected workers; every step it
 * posts the step to the loop and waits for the step's mean loss, which the loop gives once every
 * shard arrived, the parameters were updated and the new weights went out ({@link StepInProgress}
 * says how shards are handed out, taken back and reassigned while workers fail and join).
 * {@link CoordinatorSettings#stepTimeout()} bounds every step as a whole, and
 * {@link CoordinatorSettings#workerWait()} the time shards may wait for a worker to join.
 *
 * <p>Called by the {@link dev.chainrule.train.Trainer} on its thread, once per step; not for
 * concurrent use. A failure (workers missing at the start, a step timing out, no worker left after
 * the wait) throws {@link DistributedTrainingException} and fails the run: later steps fail at once.
 */
public final class RemoteShardExecutor implements ShardExecutor {
    /** How much longer than its own deadlines the training thread waits for the loop's answer before it gives up on the loop. */
    private static final Duration LOOP_GRACE = Duration.ofSeconds(30);
    private final CoordinatorLoop loop;
    private final RunState state;
    private final CoordinatorSettings settings;
    private final CoordinatorMetrics metrics;
    private final Timeline timeline;
    private final Track track;
    private boolean workersJoined;
    /** In a partitioned run: the leader's exchanges with the partitions, which keep its model's weights current. */
    private PartitionFollower follower;
    /**
     * The step after the last one this executor computed: the step whose weights the partitions hold
     * between steps; -1 before the first, when the model and the optimiser hold the run's starting point.
     */
    private long nextStep = -1;
    /** Whether a step failed: the run is over, and the partitions are not asked for their state. */
    private boolean stepFailed;

    RemoteShardExecutor(CoordinatorLoop loop, RunState state, CoordinatorSettings settings, CoordinatorMetrics metrics, Timeline timeline) {
        this.timeline = timeline;
        this.track = timeline.track("training thread");
        this.loop = loop;
        this.state = state;
        this.settings = settings;
        this.metrics = metrics;
    }

    /**
     * Makes this a partitioned run's executor: {@code follower} brings the model's weights from the
     * partitions when the trainer needs them.
     */
    void partitioned(PartitionFollower partitionFollower) {
        this.follower = partitionFollower;
    }

    @Override
    public double compute(long step, int[] batch, ShardPlan plan, StepReduction reduction) {
        awaitWorkers();
        metrics.stepStarted();
        long waitStart = System.nanoTime();
        timeline.stepStarted(step);
        long start = track.now();
        CompletableFuture<Double> result = new CompletableFuture<>();
        loop.post(new RunEvent.StepRequested(step, batch, plan, reduction, result));
        double meanLoss;
        try {
            meanLoss = await(result, settings.stepTimeout().plus(LOOP_GRACE), "step " + step);
        } catch (DistributedTrainingException e) {
            stepFailed = true;
            throw e;
        }
        nextStep = step + 1;
        if (follower != null) {
            reduction.abandon(); // the partitions applied the update; the leader's optimiser takes no step
        }
        track.span(TimelineNames.STEP_WAIT, start, step, -1, -1);
        metrics.stepWait(System.nanoTime() - waitStart);
        return meanLoss;
    }

    /**
     * In a partitioned run, brings the weights after the last completed step from the partitions into
     * the model; otherwise the steps updated it already.
     *
     * @throws DistributedTrainingException when the partitions do not give them (the run fails)
     */
    @Override
    public void loadWeights() {
        if (follower == null || nextStep < 0) {
            return;
        }
        long step = nextStep;
        try {
            follower.snapshot(step);
        } catch (RuntimeException e) {
            DistributedTrainingException failure = new DistributedTrainingException("the leader could not take the weights of step " + step
                    + " from the partitions: " + e.getMessage());
            loop.post(new RunEvent.RunFailed(failure.getMessage()));
            throw failure;
        }
    }

    /**
     * In a partitioned run, brings the weights and the optimiser state after the last completed step
     * from the partitions into the model and {@code optimizer}; otherwise the steps updated both
     * already. After a failed step it does not try: the partitions may be what failed, and the run's
     * newest checkpoint stays the one before.
     *
     * @throws DistributedTrainingException when the partitions do not give them (the run fails)
     */
    @Override
    public void loadCheckpointState(Optimizer optimizer) {
        if (follower == null || nextStep < 0) {
            return;
        }
        if (stepFailed) {
            throw new DistributedTrainingException("a step failed, so the state after step " + nextStep
                    + " is not taken from the partitions for a checkpoint");
        }
        long step = nextStep;
        try {
            optimizer.importState(follower.snapshotWithState(step));
        } catch (RuntimeException e) {
            DistributedTrainingException failure = new DistributedTrainingException("the leader could not take the state of step " + step
                    + " from the partitions: " + e.getMessage());
            loop.post(new RunEvent.RunFailed(failure.getMessage()));
            throw failure;
        }
    }

    /**
     * Waits, at most the worker wait, until the expected workers have joined, once: the first step
     * does this itself when nothing called it, so a caller may keep the workers' start-up out of the
     * first step's time.
     *
     * @throws DistributedTrainingException when they did not all join in time (the run fails)
     */
    public void awaitWorkers() {
        if (workersJoined) {
            return;
        }
        CompletableFuture<Void> joined = new CompletableFuture<>();
        Duration wait = settings.workerWait();
        loop.post(new RunEvent.WorkersAwaited(settings.expectedWorkers(), wait, System.nanoTime() + wait.toNanos(), joined));
        await(joined, wait.plus(LOOP_GRACE), "the workers to join");
        workersJoined = true;
    }

    /**
     * The number of the step after the last one whose gradients all arrived: the steps done, counting
     * those before the step a resumed run started at (steps run in order). Safe to read from any thread.
     */
    public long stepsCompleted() {
        return state.stepsCompleted();
    }

    /**
     * The loop's answer to {@code result}, waiting at most {@code bound} (the loop's own deadlines
     * answer well before). A failure fails the run; when the wait itself fails, the run is failed and
     * the loop's answer awaited briefly, so that nothing of the step is still in use once this throws.
     */
    private <T> T await(CompletableFuture<T> result, Duration bound, String what) {
        try {
            return result.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            DistributedTrainingException failure = e.getCause() instanceof DistributedTrainingException d ? d
                    : new DistributedTrainingException("the coordinator failed waiting for " + what + ": " + e.getCause());
            loop.post(new RunEvent.RunFailed(failure.getMessage()));
            throw failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw abandon(result, "interrupted while waiting for " + what);
        } catch (TimeoutException e) {
            throw abandon(result, "the coordinator's event loop gave no answer for " + what + " within " + Durations.describe(bound));
        }
    }

    private DistributedTrainingException abandon(CompletableFuture<?> result, String message) {
        loop.post(new RunEvent.RunFailed(message));
        try {
            result.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the failure posted above, or a loop that does not answer: either way the run is over
        }
        return new DistributedTrainingException(message);
    }
}
