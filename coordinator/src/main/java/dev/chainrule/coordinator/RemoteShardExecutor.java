package dev.chainrule.coordinator;

import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.metrics.timeline.Track;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import dev.chainrule.train.StepsLostException;
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
    /** After the run went back to its checkpoint: how many workers the leader asked to join again; -1 before. */
    private int rejoining = -1;
    /** In a partitioned run: the placement of the partitions this thread knows of; the leader's changes when a host is lost. */
    private PartitionLeader.Placement knownPlacement;
    /** In a partitioned run: the leader's exchanges with the partitions, which keep its model's weights current. */
    private PartitionFollower follower;
    /** In a partitioned run: the leader's partitions, whose placement changes when the run goes back to its checkpoint. */
    private PartitionLeader leader;
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
     * partitions when the trainer needs them, and a new placement of {@code leader}'s partitions
     * during a call means the run went back to its checkpoint ({@link StepsLostException}).
     */
    void partitioned(PartitionFollower partitionFollower, PartitionLeader partitionLeader) {
        this.follower = partitionFollower;
        this.leader = partitionLeader;
        this.knownPlacement = partitionLeader.placement();
    }

    @Override
    public double compute(long step, int[] batch, ShardPlan plan, StepReduction reduction) {
        awaitWorkers();
        metrics.stepStarted();
        long waitStart = System.nanoTime();
        timeline.stepStarted(step);
        long start = track.now();
        CompletableFuture<Double> result = new CompletableFuture<>();
        loop.post(new RunEvent.StepRequested(step, batch, plan, reduction, result, knownPlacement == null ? 0 : knownPlacement.id()));
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
            throw partitionsFailed("the leader could not take the weights of step " + step + " from the partitions: " + e.getMessage());
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
            throw partitionsFailed("the leader could not take the state of step " + step + " from the partitions: " + e.getMessage());
        }
    }

    /** In a partitioned run that writes checkpoints: a lost host sends the run back to its checkpoint. */
    @Override
    public boolean canLoseSteps() {
        return leader != null && leader.rollsBack();
    }

    /**
     * Waits, at most the worker wait, until the expected workers have joined, once: the first step
     * does this itself when nothing called it, so a caller may keep the workers' start-up out of the
     * first step's time. After the run went back to its checkpoint, the next step waits, at most the
     * heartbeat timeout, for the workers whose sessions the leader ended to join again, and then goes
     * on with those that did (at least one).
     *
     * @throws DistributedTrainingException when they did not all join in time (the run fails)
     */
    public void awaitWorkers() {
        if (workersJoined) {
            return;
        }
        CompletableFuture<Void> joined = new CompletableFuture<>();
        Duration wait;
        if (rejoining < 0) {
            wait = settings.workerWait();
            loop.post(new RunEvent.WorkersAwaited(settings.expectedWorkers(), wait, System.nanoTime() + wait.toNanos(), joined));
        } else {
            // some of the workers asked to join again may have died with the host: one will do once the heartbeat timeout is up
            wait = settings.heartbeatTimeout();
            loop.post(new RunEvent.WorkersAwaited(Math.max(1, rejoining), wait, System.nanoTime() + wait.toNanos(), joined, 1));
        }
        await(joined, wait.plus(LOOP_GRACE), "the workers to join");
        workersJoined = true;
    }

    /**
     * As {@link #failed}, for the leader's own exchange with the partitions, which may break (a host
     * died) before the event loop has seen the host's session end: in a run that goes back to its
     * checkpoint, it first waits, at most the heartbeat timeout, for the loop to give up the placement.
     */
    private RuntimeException partitionsFailed(String message) {
        if (leader != null && leader.rollsBack()) {
            try {
                knownPlacement.givenUp().get(settings.heartbeatTimeout().plusSeconds(1).toNanos(), TimeUnit.NANOSECONDS); // a tick past it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // not given up: the run fails
            }
        }
        return failed(message);
    }

    /**
     * The exception for a call that failed with {@code message}: when the leader gave up the placement
     * of the partitions this thread knew of (a host was lost and the run goes back to its
     * checkpoint), a {@link StepsLostException}, after which the next step waits for the workers to
     * join again; otherwise a {@link DistributedTrainingException} that fails the run.
     */
    private RuntimeException failed(String message) {
        if (leader != null && leader.placement() != knownPlacement) {
            knownPlacement = leader.placement();
            workersJoined = false;
            rejoining = state.rejoining();
            nextStep = -1;
            return new StepsLostException(message);
        }
        loop.post(new RunEvent.RunFailed(message));
        return new DistributedTrainingException(message);
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
            throw failed(e.getCause() instanceof DistributedTrainingException d ? d.getMessage()
                    : "the coordinator failed waiting for " + what + ": " + e.getCause());
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
