package dev.chainrule.coordinator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** A joined worker as the registry and the executor see it: id, name, outbound stream and last sign of life. Thread-safe. */
final class WorkerHandle {
    private final int id;
    private final String name;
    private final Outbox outbox;
    private final Clock clock;
    private volatile Instant lastSeen;

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

    /** "worker 1 (host-a/pid-42)". */
    String label() {
        return "worker " + id + " (" + name + ")";
    }

    /** "worker 1 (host-a/pid-42, last heard from 250 ms ago)". */
    String labelWithLastSeen() {
        Duration ago = Duration.between(lastSeen, clock.instant());
        return "worker " + id + " (" + name + ", last heard from " + Durations.describe(ago.isNegative() ? Duration.ZERO : ago) + " ago)";
    }

    @Override
    public String toString() {
        return label();
    }
}
