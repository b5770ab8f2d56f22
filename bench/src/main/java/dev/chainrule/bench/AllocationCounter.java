package dev.chainrule.bench;

import java.lang.management.ManagementFactory;

/** The JVM's count of bytes allocated by the current thread ({@code com.sun.management.ThreadMXBean}). */
final class AllocationCounter {
    private AllocationCounter() {
    }

    /** Bytes allocated by the calling thread since it started. */
    static long currentThreadBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!threads.isThreadAllocatedMemorySupported()) {
            throw new IllegalStateException("this JVM does not count allocated bytes per thread");
        }
        if (!threads.isThreadAllocatedMemoryEnabled()) {
            threads.setThreadAllocatedMemoryEnabled(true);
        }
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
