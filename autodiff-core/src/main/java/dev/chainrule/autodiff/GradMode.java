package dev.chainrule.autodiff;

/**
 * Whether operations on the current thread record the computational graph. Recording is on by
 * default; {@link #noGrad()} turns it off for a try-with-resources block (optimiser updates,
 * evaluation, and the backward rules themselves run this way).
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {
    }

    /** True when operations on this thread record their inputs for backward. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Turns recording off until the returned scope is closed, then restores the previous state. */
    public static Scope noGrad() {
        boolean[] flag = ENABLED.get();
        Scope scope = new Scope(flag, flag[0]);
        flag[0] = false;
        return scope;
    }

    /** A block with recording turned off; closing it restores the previous state. */
    public static final class Scope implements AutoCloseable {
        private final boolean[] flag;
        private final boolean previous;

        private Scope(boolean[] flag, boolean previous) {
            this.flag = flag;
            this.previous = previous;
        }

        @Override
        public void close() {
            flag[0] = previous;
        }
    }
}
