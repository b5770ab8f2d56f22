package dev.chainrule.coordinator;

import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.nn.Mlp;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * Has the joined workers compute each step's shard gradients: before the first step it waits for the
 * expected workers; every step it sends each live worker the weights it lacks and its shards (shard s
 * to live worker s mod W, in join order), hands every parameter's gradient of every shard to the
 * step's {@link StepReduction} as it arrives, which updates each parameter as soon as all of its
 * shards are in (in shard order, as {@link dev.chainrule.train.LocalShardExecutor} would), sends each
 * parameter's new weights to the workers at once, and returns when every shard has arrived.
 *
 * <p>Workers may fail and join while training goes on. A worker is lost when its stream breaks or
 * ends, when it breaks the protocol, or when it has sent nothing, not even a heartbeat, for
 * {@link CoordinatorSettings#heartbeatTimeout()} (checked before every step and several times per
 * timeout while a step waits). Its shards of the step in progress that have not arrived (and, when it
 * broke the protocol, those that have, unless the step has already completed) are sent to the step's
 * other live workers, which compute them with the step's weights; a gradient from a lost worker is
 * ignored. A worker that joins (up to the expected number of live workers) is sent the
 * current weights with the next step and takes shards from then on. Since the gradients are always
 * added in shard order, the weights are bit for bit those of an uninterrupted run. When no worker is
 * left, the step waits up to {@link CoordinatorSettings#workerWait()} for one to join and gives it
 * the step's weights and the missing shards. {@link CoordinatorSettings#stepTimeout()} bounds every
 * step as a whole.
 *
 * <p>Called by the {@link dev.chainrule.train.Trainer} on its thread, once per step; not for
 * concurrent use. A failure (workers missing at the start, a step timing out, no worker left after
 * the wait) throws {@link DistributedTrainingException} and fails the run: later steps fail at once.
 */
public final class RemoteShardExecutor implements ShardExecutor {
    /** The shortest pause between two checks for silent workers while a step waits. */
    private static final long MIN_CHECK_NANOS = Duration.ofMillis(10).toNanos();
    private final Mlp model;
    private final WorkerRegistry registry;
    private final CoordinatorSettings settings;
    private final CoordinatorMetrics metrics;
    private final WeightsSender weights;
    private volatile long stepsCompleted;
    private boolean workersJoined;

    RemoteShardExecutor(Mlp model, WorkerRegistry registry, CoordinatorSettings settings, CoordinatorMetrics metrics) {
        this.model = model;
        this.registry = registry;
        this.settings = settings;
        this.metrics = metrics;
        this.weights = new WeightsSender(List.copyOf(model.namedParameters().keySet()), settings.chunkBytes(), metrics);
    }

    @Override
    public boolean needsUndoableSteps() {
        return true;
    }

    @Override
    public void compute(long step, int[] batch, ShardPlan plan, StepReduction reduction) {
        try {
            awaitWorkers();
            metrics.stepStarted();
            registry.expireSilent();
            PendingStep pending = registry.startStep(step, batch, plan, reduction, model.parameters(), weights);
            long waitStart = System.nanoTime();
            await(pending);
            metrics.stepWait(System.nanoTime() - waitStart);
            stepsCompleted = step + 1;
        } catch (DistributedTrainingException e) {
            registry.fail(e.getMessage());
            throw e;
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
        try {
            registry.awaitWorkers(settings.expectedWorkers(), settings.workerWait());
            workersJoined = true;
        } catch (DistributedTrainingException e) {
            registry.fail(e.getMessage());
            throw e;
        }
    }

    /**
     * The number of the step after the last one whose gradients all arrived: the steps done, counting
     * those before the step a resumed run started at (steps run in order). Safe to read from any thread.
     */
    public long stepsCompleted() {
        return stepsCompleted;
    }

    /**
     * Waits for {@code pending}'s gradients, at most the step timeout, waking a few times per
     * heartbeat timeout to drop silent workers, and failing once shards have had no worker for the
     * worker wait.
     */
    private void await(PendingStep pending) {
        long stepDeadline = System.nanoTime() + settings.stepTimeout().toNanos();
        long checkEvery = Math.max(MIN_CHECK_NANOS, settings.heartbeatTimeout().toNanos() / 10);
        long workerWait = settings.workerWait().toNanos();
        while (true) {
            OptionalLong unowned = pending.unownedSince();
            long wake = Math.min(stepDeadline, System.nanoTime() + checkEvery);
            if (unowned.isPresent()) {
                wake = Math.min(wake, unowned.getAsLong() + workerWait);
            }
            if (pending.awaitUntil(wake)) {
                return;
            }
            registry.expireSilent();
            long now = System.nanoTime();
            unowned = pending.unownedSince();
            if (unowned.isPresent() && now - unowned.getAsLong() >= workerWait) {
                throw pending.noWorkerLeft(settings.workerWait(), "");
            }
            if (now - stepDeadline >= 0) {
                if (unowned.isPresent()) {
                    throw pending.noWorkerLeft(Duration.ofNanos(now - unowned.getAsLong()),
                            ", until the step timeout of " + Durations.describe(settings.stepTimeout()) + " ran out");
                }
                throw pending.timedOut(settings.stepTimeout());
            }
        }
    }
}
