package dev.chainrule.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The coordinator's meters (Micrometer name → Prometheus name):
 * <ul>
 *   <li>{@code chainrule.steps} (counter → {@code chainrule_steps_total}): optimiser steps taken;
 *   <li>{@code chainrule.step} (timer → {@code chainrule_step_seconds_*}): a whole step, from handing
 *       out the shards to the update;
 *   <li>{@code chainrule.step.wait} (timer): waiting for the step's slowest shard;
 *   <li>{@code chainrule.workers.active} (gauge): live workers;
 *   <li>{@code chainrule.loss} (gauge): the last step's mean training loss;
 *   <li>{@code chainrule.test.accuracy} (gauge): the test split's accuracy after the last epoch;
 *   <li>{@code chainrule.gradient.bytes.received}, {@code chainrule.weights.bytes.sent} (counters,
 *       tagged {@code worker}): serialised message bytes;
 *   <li>{@code chainrule.worker.lateness} (timer, tagged {@code worker}): how long after a step's
 *       first shard each worker's last shard of the step arrived. These three are each worker's
 *       {@link WorkerMeters}: they exist from its join, and leave with a worker lost during the run;
 *   <li>{@code chainrule.checkpoint} (timer): writing a checkpoint;
 *   <li>{@code chainrule.rejected.messages} (counter, tagged {@code reason}, the status code in
 *       lower case): worker messages that ended their session, and calls refused for their token
 *       ({@code unauthenticated}); 0 from the start for each of
 *       {@link #REJECTION_REASONS}.
 * </ul>
 * Worker tags are worker ids. Thread-safe: the training thread, gRPC threads and the scrape use it at once.
 */
public final class CoordinatorMetrics {
    /**
     * The reasons the coordinator ends a worker's session with (gRPC status codes in lower case): their
     * {@code chainrule.rejected.messages} counters exist at 0 from the start, so that a query finds the
     * series before the first rejection and {@code increase()} counts that first one.
     */
    public static final List<String> REJECTION_REASONS = List.of("invalid_argument", "failed_precondition", "not_found",
            "resource_exhausted", "unauthenticated", "internal");
    private final MeterRegistry registry;
    private final Counter steps;
    private final Timer step;
    private final Timer stepWait;
    private final Timer checkpoint;
    private final Counter rollbacks;
    private volatile double loss = Double.NaN;
    private volatile double testAccuracy = Double.NaN;
    private volatile IntSupplier activeWorkers = () -> 0;
    /** System.nanoTime() when the step in progress started, or -1 when none has since the last finished. */
    private volatile long stepStart = -1;
    /** System.nanoTime() when the last step finished (or this object was made). */
    private volatile long lastFinish = System.nanoTime();

    /** The meters, registered in {@code registry}. */
    public CoordinatorMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.steps = Counter.builder("chainrule.steps").description("Optimiser steps taken").register(registry);
        this.step = Timer.builder("chainrule.step").description("A whole step: shards computed, summed and applied").register(registry);
        this.stepWait = Timer.builder("chainrule.step.wait").description("Waiting for the step's slowest shard").register(registry);
        this.checkpoint = Timer.builder("chainrule.checkpoint").description("Writing a checkpoint").register(registry);
        this.rollbacks = Counter.builder("chainrule.rollbacks").description("Times the run went back to a checkpoint after losing steps")
                .register(registry);
        Gauge.builder("chainrule.workers.active", this, m -> m.activeWorkers.getAsInt()).description("Live workers")
                .strongReference(true).register(registry);
        Gauge.builder("chainrule.loss", this, m -> m.loss).description("The last step's mean training loss")
                .strongReference(true).register(registry);
        Gauge.builder("chainrule.test.accuracy", this, m -> m.testAccuracy).description("Test accuracy after the last epoch")
                .strongReference(true).register(registry);
        REJECTION_REASONS.forEach(this::rejected);
    }

    /** Meters that keep nothing, for a coordinator without metrics. */
    public static CoordinatorMetrics disabled() {
        return new CoordinatorMetrics(MeterRegistries.none());
    }

    /** Has {@code chainrule.workers.active} read {@code live} (called on every scrape). */
    public void activeWorkersFrom(IntSupplier live) {
        this.activeWorkers = Objects.requireNonNull(live, "live");
    }

    /** A step starts (its shards are handed out); {@link #stepFinished} times the step from here. */
    public void stepStarted() {
        stepStart = System.nanoTime();
    }

    /**
     * A step finished with mean training loss {@code meanLoss}: counts it and times it from
     * {@link #stepStarted}, or, when nothing called that, from the previous step's end (or the end of
     * the work between steps, {@link #betweenStepsDone}).
     */
    public void stepFinished(double meanLoss) {
        long now = System.nanoTime();
        long start = stepStart >= 0 ? stepStart : lastFinish;
        stepStart = -1;
        lastFinish = now;
        step.record(now - start, TimeUnit.NANOSECONDS);
        steps.increment();
        loss = meanLoss;
    }

    /**
     * Work between two steps (an epoch's evaluation, a checkpoint) has ended: a step that nothing
     * starts explicitly (a local run) is timed from now, so that the step timer holds steps only.
     */
    public void betweenStepsDone() {
        lastFinish = System.nanoTime();
    }

    /** The test split's accuracy (0 to 1) after an epoch. */
    public void testAccuracy(double accuracy) {
        testAccuracy = accuracy;
    }

    /** The step waited {@code nanos} for its slowest shard. */
    public void stepWait(long nanos) {
        stepWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Writing a checkpoint took {@code took}. */
    public void checkpoint(Duration took) {
        checkpoint.record(took);
    }

    /** The run went back to a checkpoint: the steps after it were lost and are run again. */
    public void wentBack() {
        rollbacks.increment();
    }

    /**
     * The meters of worker {@code worker} (its id), registered now; {@link WorkerMeters#remove} takes
     * them out when the worker is lost.
     */
    public WorkerMeters worker(int worker) {
        return new WorkerMeters(registry, worker);
    }

    /** A worker's message was rejected with status code {@code code} (e.g. "INVALID_ARGUMENT"). */
    public void rejectedMessage(String code) {
        rejected(code.toLowerCase(Locale.ROOT)).increment();
    }

    private Counter rejected(String reason) {
        return Counter.builder("chainrule.rejected.messages").description("Worker messages rejected, by status code")
                .tag("reason", reason).register(registry);
    }
}
