package dev.chainrule.autodiff.kernels;

/**
 * The number of threads one kernel call may use (intra-op parallelism), for the whole process, like
 * {@code torch.set_num_threads}. The default is 1: a machine usually runs one worker per core. For a
 * given count, every kernel gives the same bits on every run.
 */
public final class IntraOpThreads {
    private static volatile int threads = 1;

    private IntraOpThreads() {
    }

    /** Sets the thread count for subsequent kernel calls. */
    public static void set(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("threads: " + count + " (expected: >= 1)");
        }
        threads = count;
    }

    /** The current thread count. */
    public static int get() {
        return threads;
    }
}
