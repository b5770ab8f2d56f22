package dev.chainrule.worker;

import dev.chainrule.data.Dataset;
import dev.chainrule.metrics.WorkerMetrics;
import dev.chainrule.metrics.timeline.Timeline;
import io.grpc.Channel;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The worker's reconnect policy: runs a worker's sessions with its coordinator, one after the other,
 * until one ends with Stop(finished=true), so that a worker reconnects by itself when its coordinator
 * goes away (is killed, restarts from its checkpoint, fails the run) and joins the run again as a new
 * worker.
 *
 * <ul>
 *   <li>Until the worker has joined a run once (received a Welcome), it makes one attempt, which
 *       waits up to the connect timeout for the coordinator; if that fails the worker fails, as
 *       without reconnecting.
 *   <li>After that, any end other than Stop(finished=true) — the stream broke, a wait expired, the
 *       coordinator broke the protocol or stopped the run unfinished — is followed by new attempts,
 *       each on a new channel and waiting at most {@link #ATTEMPT_WAIT} for the coordinator, with
 *       pauses of 0.5 s, 1 s, 2 s, 4 s, then 5 s between them, for at most the reconnect timeout in
 *       all (no attempt starts with less than {@link #MIN_ATTEMPT_WAIT} left); then the worker gives
 *       up with the last attempt's error.
 *   <li>The reconnect timeout counts from the first loss after a session in which the worker
 *       computed something. A coordinator that keeps accepting the worker and ending the session
 *       before giving it a shard does not restart the count, so a run that cannot go on ends.
 * </ul>
 *
 * <p>A session has joined the run when its {@link Worker} received the coordinator's Welcome, which
 * the worker reports itself as the first message of its session ({@link Attempt#run}).
 *
 * <p>Lifecycle and threading: construct, then {@link #run} once; it runs every session on the
 * calling thread, one at a time, and returns or throws when the policy above says so. The log
 * receives one line when the coordinator is lost and one when the worker joins again, both on that
 * thread.
 */
public final class ReconnectingSessionRunner {
    /** The pause after the first failed attempt; it doubles after each, up to {@link #MAX_BACKOFF}. */
    static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    /** The longest pause between two attempts. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /**
     * The longest one reconnect attempt waits for the coordinator; the next attempt uses a new
     * channel, so the transport's own reconnect backoff never grows past a few seconds.
     */
    static final Duration ATTEMPT_WAIT = Duration.ofSeconds(5);

    /** Less time than this left in the reconnect window is not worth another attempt. */
    static final Duration MIN_ATTEMPT_WAIT = Duration.ofMillis(100);

    private static final WorkerStats NOTHING = new WorkerStats(0, 0, 0, Duration.ZERO, Duration.ZERO);

    /** One session: a new channel to the coordinator and a new {@link Worker} on it, run through {@link Attempt#run}. */
    @FunctionalInterface
    public interface Session {
        /**
         * Runs one session, waiting at most {@link Attempt#connectTimeout()} for the coordinator.
         *
         * @throws WorkerException when the session ends without Stop
         */
        WorkerResult run(Attempt attempt) throws InterruptedException;
    }

    /** Pauses between attempts (a fake one in tests). */
    @FunctionalInterface
    public interface Sleeper {
        /** Returns after {@code duration}. */
        void sleep(Duration duration) throws InterruptedException;
    }

    /**
     * How the sessions ended.
     *
     * @param last the last session's result: Stop(finished=true), or a Stop that came before the worker ever joined
     * @param total what the worker did over all sessions
     * @param sessions how many sessions joined the run (received a Welcome)
     */
    public record Outcome(WorkerResult last, WorkerStats total, int sessions) {
    }

    /** One attempt: how long it may wait for the coordinator, and what it saw. */
    public static final class Attempt {
        private final Duration connectTimeout;
        private final Runnable onWelcome;
        private volatile boolean welcomed;
        private volatile WorkerStats stats = NOTHING;

        Attempt(Duration connectTimeout, Runnable onWelcome) {
            this.connectTimeout = connectTimeout;
            this.onWelcome = onWelcome;
        }

        /** How long this attempt's worker may wait for the coordinator: its connect timeout. */
        public Duration connectTimeout() {
            return connectTimeout;
        }

        /**
         * Runs a {@link Worker} on {@code channel} (which stays the caller's) with this attempt's
         * connect timeout, noting when it is welcomed and keeping its figures even when it fails.
         *
         * @throws WorkerException as {@link Worker#run} does
         */
        public WorkerResult run(Channel channel, Dataset train, String name, WorkerMetrics metrics) {
            return run(channel, train, name, metrics, Timeline.off(), 1);
        }

        /**
         * As above, computing up to {@code threads} shards at once and recording the session in
         * {@code timeline} ({@link Worker}'s constructor says what).
         */
        public WorkerResult run(Channel channel, Dataset train, String name, WorkerMetrics metrics, Timeline timeline, int threads) {
            return run(channel, train, name, metrics, timeline, threads, null);
        }

        /**
         * As above, taking part in a partitioned run as {@code partitions} says (null: reaching
         * partitions over plaintext, hosting none).
         */
        public WorkerResult run(Channel channel, Dataset train, String name, WorkerMetrics metrics, Timeline timeline, int threads,
                PartitionAccess partitions) {
            Worker worker = new Worker(channel, train, name, connectTimeout, metrics, this::welcomed, timeline, threads);
            if (partitions != null) {
                worker.partitionAccess(partitions);
            }
            try {
                return worker.run();
            } finally {
                recordStats(worker.stats());
            }
        }

        /** Keeps what this attempt's worker did (called by {@link #run}, or by tests). */
        void recordStats(WorkerStats figures) {
            stats = Objects.requireNonNull(figures, "figures");
        }

        /** Notes that the coordinator welcomed the worker (called by the worker, or by tests). */
        void welcomed() {
            if (!welcomed) {
                welcomed = true;
                onWelcome.run();
            }
        }

        boolean wasWelcomed() {
            return welcomed;
        }

        WorkerStats stats() {
            return stats;
        }
    }

    private final Duration connectTimeout;
    private final Duration reconnectTimeout;
    private final Consumer<String> log;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;

    /** Sessions that wait {@code connectTimeout} for the first Welcome and reconnect for up to {@code reconnectTimeout}. */
    public ReconnectingSessionRunner(Duration connectTimeout, Duration reconnectTimeout, Consumer<String> log) {
        this(connectTimeout, reconnectTimeout, log, System::nanoTime, d -> Thread.sleep(d.toMillis()));
    }

    /** As above, with the clock and the pauses given (for tests). */
    public ReconnectingSessionRunner(Duration connectTimeout, Duration reconnectTimeout, Consumer<String> log, LongSupplier nanoTime,
            Sleeper sleeper) {
        this.connectTimeout = requirePositive(connectTimeout, "connectTimeout");
        this.reconnectTimeout = requirePositive(reconnectTimeout, "reconnectTimeout");
        this.log = Objects.requireNonNull(log, "log");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    /**
     * Runs sessions until one ends with Stop(finished=true), or a Stop comes before the worker ever
     * joined; either is returned.
     *
     * @throws WorkerException the first attempt's error when the worker never joined, or, after it
     *     has, that it gave up reconnecting (with the last attempt's error)
     */
    public Outcome run(Session session) throws InterruptedException {
        WorkerStats total = NOTHING;
        int sessions = 0;
        boolean joined = false;
        long outageStart = 0;
        int attempts = 0;
        Duration backoff = FIRST_BACKOFF;
        String why = null;
        WorkerException failure = null;
        while (true) {
            Duration wait = connectTimeout;
            if (joined) {
                long left = reconnectTimeout.toNanos() - (nanoTime.getAsLong() - outageStart);
                if (left < MIN_ATTEMPT_WAIT.toNanos()) {
                    throw new WorkerException("gave up reconnecting to the coordinator after "
                            + describe(reconnectTimeout) + " and " + attempts + " attempt"
                            + (attempts == 1 ? "" : "s") + "; the last one: " + why, failure);
                }
                wait = Duration.ofNanos(Math.min(ATTEMPT_WAIT.toNanos(), left));
            }
            int attempt = ++attempts;
            Attempt current = new Attempt(wait, joined ? () -> log.accept("joined the run again (attempt " + attempt + ")") : () -> { });
            WorkerResult result = null;
            failure = null;
            try {
                result = session.run(current);
            } catch (WorkerException e) {
                failure = e;
            }
            total = add(total, current.stats());
            if (current.wasWelcomed()) {
                sessions++;
            }
            if (result != null && result.finished()) {
                return new Outcome(result, total, sessions);
            }
            if (!joined && !current.wasWelcomed()) {
                if (failure != null) {
                    throw failure;
                }
                return new Outcome(result, total, sessions);
            }
            why = failure != null ? failure.getMessage() : "the coordinator stopped the run unfinished: " + result.reason();
            if (!joined || current.stats().shards() > 0) {
                joined = true;
                outageStart = nanoTime.getAsLong();
                backoff = FIRST_BACKOFF;
                attempts = 0;
            }
            long left = reconnectTimeout.toNanos() - (nanoTime.getAsLong() - outageStart);
            if (current.wasWelcomed()) {
                long seconds = Math.max(0, (left + 999_999_999L) / 1_000_000_000L);
                log.accept("lost the coordinator: " + why + "; reconnecting for up to " + seconds + "s");
            }
            if (left > 0) {
                sleeper.sleep(Duration.ofNanos(Math.min(backoff.toNanos(), left)));
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private static WorkerStats add(WorkerStats a, WorkerStats b) {
        return new WorkerStats(a.steps() + b.steps(), a.shards() + b.shards(), a.samples() + b.samples(),
                a.computeTime().plus(b.computeTime()), a.communicationTime().plus(b.communicationTime()));
    }

    /** {@code duration} as the command line's options write it: {@code 500ms}, {@code 1.5s}, {@code 60s}. */
    private static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis < 1000 ? millis + "ms" : millis % 1000 == 0 ? millis / 1000 + "s" : millis / 1000.0 + "s";
    }

    private static Duration requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " : " + value + " (expected: > 0)");
        }
        return value;
    }
}
