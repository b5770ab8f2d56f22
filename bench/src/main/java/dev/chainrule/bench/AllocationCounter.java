package dev.chainrule.bench;

import java.lang.management.ManagementFactory;

/**
 * The JVM's count of bytes allocated by its live threads ({@code com.sun.management.ThreadMXBean}):
 * the caller's and those it computes on (shard threads), so that work moved to other threads is counted.
 */
final class AllocationCounter {
    private AllocationCounter() {
    }

    /** Bytes allocated by every live thread of this JVM since it started. */
    static long liveThreadBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!threads.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        if (!threads.isThreadAllocatedMemoryEnabled()) {
            threads.setThreadAllocatedMemoryEnabled(true);
        }
        long total = 0;
        for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            total += Math.max(0, bytes); // -1: a thread that ended meanwhile
        }
        return total;
    }
}
