package dev.chainrule.coordinator;

import dev.chainrule.metrics.WorkerMeters;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.wire.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * A joined worker: id, name, outbound stream, meters, last sign of life, whether the run has removed it
 * (after which whatever it sends is ignored), its duty (the step it was last told of and its shards
 * there), and which step's weights of each parameter it was sent.
 *
 * <p>Threading: the event loop writes the duty, the removal and the sent steps; the worker's session
 * reads the duty and the removal (both volatile) and records signs of life, which the loop reads. The
 * sent steps are the loop's alone.
 */
final class WorkerHandle {
    private final int id;
    private final String name;
    private final Outbox outbox;
    private final Clock clock;
    private final String partitionAddress;
    private final WorkerMeters meters;
    private volatile Instant lastSeen;
    private volatile boolean removed;
    private volatile Duty duty = Duty.NONE;
    /** Per parameter, the step whose weights the worker was last sent (-1: none); the loop's alone. */
    private long[] sentSteps = new long[0];

    /**
     * What the worker is to compute as the coordinator last told it: the step in progress then
     * ({@code -1} before the first), how that step's batch is cut, and the shards of it that are the
     * worker's (possibly none). Its session checks every gradient and heartbeat against it.
     */
    record Duty(long step, ShardPlan plan, List<Integer> shards) {
        static final Duty NONE = new Duty(-1, null, List.of());

        Duty {
            shards = List.copyOf(shards);
        }
    }

    /** A worker that offered to host a partition at {@code partitionAddress} ("" for none), counted in {@code meters}. */
    WorkerHandle(int id, String name, Outbox outbox, Clock clock, String partitionAddress, WorkerMeters meters) {
        this.partitionAddress = partitionAddress;
        this.meters = meters;
        this.id = id;
        this.name = name;
        this.outbox = outbox;
        this.clock = clock;
        this.lastSeen = clock.instant();
    }

    /** The address at which the worker offered to host a partition, or "". */
    String partitionAddress() {
        return partitionAddress;
    }

    /** The name the worker gave in its Join. */
    String name() {
        return name;
    }

    int id() {
        return id;
    }

    Outbox outbox() {
        return outbox;
    }

    /** The coordinator's meters of this worker. */
    WorkerMeters meters() {
        return meters;
    }

    /** Records a message from the worker. */
    void touch() {
        lastSeen = clock.instant();
    }

    /** How long ago the worker's last message arrived (its Join, before any other); never negative. */
    Duration silence() {
        Duration ago = Duration.between(lastSeen, clock.instant());
        return ago.isNegative() ? Duration.ZERO : ago;
    }

    /** The worker's duty as last published by the loop. */
    Duty duty() {
        return duty;
    }

    /** Publishes the worker's duty; the loop calls it before it queues the message that tells the worker. */
    void assign(Duty duty) {
        this.duty = duty;
    }

    /** The step whose weights of parameter {@code parameter} this worker was last sent, or -1. */
    long sentStep(int parameter) {
        return parameter < sentSteps.length ? sentSteps[parameter] : -1;
    }

    /** Records that this worker was sent the weights of step {@code step} of parameter {@code parameter}. */
    void sentStep(int parameter, long step) {
        if (parameter >= sentSteps.length) {
            long[] grown = Arrays.copyOf(sentSteps, parameter + 1);
            Arrays.fill(grown, sentSteps.length, grown.length, -1);
            sentSteps = grown;
        }
        sentSteps[parameter] = step;
    }

    /** Marks the worker as removed from the run; called by the loop only. */
    void markRemoved() {
        removed = true;
    }

    /** Whether the run has removed the worker: its messages are to be ignored. */
    boolean removed() {
        return removed;
    }

    /** "worker 1 (host-a/pid-42)". */
    String label() {
        return "worker " + id + " (" + name + ")";
    }

    /** "worker 1 (host-a/pid-42, last heard from 250 ms ago)". */
    String labelWithLastSeen() {
        return "worker " + id + " (" + name + ", last heard from " + Durations.describe(silence()) + " ago)";
    }

    @Override
    public String toString() {
        return label();
    }
}
