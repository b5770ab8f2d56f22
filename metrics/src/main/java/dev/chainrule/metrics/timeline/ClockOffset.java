package dev.chainrule.metrics.timeline;

/**
 * The offset from this process's {@link System#nanoTime()} to the coordinator's, from round trips:
 * a coordinator time {@code remote} read after the coordinator received something this process
 * started sending at {@code sentBefore} and before this process got it back at {@code receivedAfter}
 * puts the offset between {@code remote - receivedAfter} and {@code remote - sentBefore}. Every round
 * trip narrows the interval; the estimate is its middle and the uncertainty half its width, at most
 * half the shortest round trip. A sample that contradicts the others (the interval would be empty)
 * is left out and counted. Thread-safe.
 */
public final class ClockOffset {
    private long low = Long.MIN_VALUE;
    private long high = Long.MAX_VALUE;
    private long samples;
    private long contradictions;

    /** One round trip, all in nanoseconds: this process's clock before and after, the coordinator's in between. */
    public synchronized void sample(long sentBefore, long remote, long receivedAfter) {
        if (receivedAfter < sentBefore) {
            return;
        }
        long newLow = Math.max(low, remote - receivedAfter);
        long newHigh = Math.min(high, remote - sentBefore);
        if (newLow > newHigh) {
            contradictions++;
            return;
        }
        low = newLow;
        high = newHigh;
        samples++;
    }

    /** Whether some round trip was measured. */
    public synchronized boolean measured() {
        return samples > 0;
    }

    /** Nanoseconds to add to this process's times to get the coordinator's; 0 before any round trip. */
    public synchronized long offsetNanos() {
        return samples == 0 ? 0 : low + (high - low) / 2;
    }

    /** Half the width of the interval the offset lies in; -1 before any round trip. */
    public synchronized long uncertaintyNanos() {
        return samples == 0 ? -1 : (high - low + 1) / 2;
    }

    /** The round trips used. */
    public synchronized long samples() {
        return samples;
    }

    /** The round trips left out because they contradicted the others. */
    public synchronized long contradictions() {
        return contradictions;
    }
}
