package dev.chainrule.coordinator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * A joined worker as the registry and the executor see it: id, name, outbound stream, last sign of
 * life, whether the registry has removed it (after which whatever it sends is ignored), and which
 * step's weights of each parameter it was sent. Thread-safe (the sent steps under the step in
 * progress's lock).
 */
final class WorkerHandle {
    private final int id;
    private final String name;
    private final Outbox outbox;
    private final Clock clock;
    private volatile Instant lastSeen;
    private volatile boolean removed;
    /** Per parameter, the step whose weights the worker was last sent (-1: none); guarded by the step in progress's lock. */
    private long[] sentSteps = new long[0];

    WorkerHandle(int id, String name, Outbox outbox, Clock clock) {
        this.id = id;
        this.name = name;
        this.outbox = outbox;
        this.clock = clock;
        this.lastSeen = clock.instant();
    }

    int id() {
        return id;
    }

    Outbox outbox() {
        return outbox;
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

    /** Forgets what this worker was sent of parameter {@code parameter}: it is sent again before it is next needed. */
    void forgetSent(int parameter) {
        sentStep(parameter, -1);
    }

    /** Marks the worker as removed from the run; called by the registry only. */
    void markRemoved() {
        removed = true;
    }

    /** Whether the registry has removed the worker: its messages are to be ignored. */
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
