package dev.chainrule.metrics.timeline;

/**
 * One line of a timeline: what one thread (or one role, such as a worker's session on the
 * coordinator) did. Its owner records spans that start at {@link #now()} and end when recorded, so
 * spans recorded inside one another nest. Arguments that do not apply are -1; a step of -1 is the
 * timeline's current step ({@link Timeline#stepStarted}). Events of steps outside the timeline's
 * window are dropped. Not thread-safe: one thread at a time records on a track.
 */
public interface Track {

    /** The time to pass as a span's start: {@link System#nanoTime()}, or 0 when nothing is recorded. */
    long now();

    /**
     * A span called {@code name} from {@code startNanos} to now, of step {@code step}, shard
     * {@code shard}, parameter {@code parameter}. Returns its end, which a span that follows it
     * without a gap takes as its start (as {@link #now()} would give, 0 when nothing is recorded).
     */
    long span(String name, long startNanos, long step, int shard, int parameter);

    /**
     * As {@link #span}, with the start ({@code out}) or the end of the arrow from a parameter's
     * gradient sent by a worker to the span that receives it on the coordinator.
     */
    void spanWithFlow(String name, long startNanos, long step, int shard, int parameter, boolean out);

    /** An instant called {@code name}, now. */
    void instant(String name, long step, int shard, int parameter);
}
