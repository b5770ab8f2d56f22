package dev.chainrule.bench;

/**
 * Runs an action for a warm-up time, then for one timed window, counting the calls and the bytes the
 * JVM's live threads (the caller and the threads it computes on) allocated during the window.
 *
 * @param calls          calls in the timed window (at least one)
 * @param nanos          the window's wall time
 * @param allocatedBytes bytes the live threads allocated in the window
 */
record TimedWindow(long calls, long nanos, long allocatedBytes) {

    /** Runs {@code action} for {@code warmupSeconds}, then until {@code windowSeconds} have passed, at least once. */
    static TimedWindow measure(Runnable action, double windowSeconds, double warmupSeconds) {
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        while (System.nanoTime() < warmupEnd) {
            action.run();
        }
        long window = (long) (windowSeconds * 1e9);
        long bytesBefore = AllocationCounter.liveThreadBytes();
        long start = System.nanoTime();
        long calls = 0;
        long elapsed;
        do {
            action.run();
            calls++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < window);
        long bytes = AllocationCounter.liveThreadBytes() - bytesBefore;
        return new TimedWindow(calls, elapsed, bytes);
    }

    /** Calls per second. */
    double perSecond() {
        return calls / (nanos / 1e9);
    }

    /** Allocated bytes per call. */
    double bytesPerCall() {
        return (double) allocatedBytes / calls;
    }
}
