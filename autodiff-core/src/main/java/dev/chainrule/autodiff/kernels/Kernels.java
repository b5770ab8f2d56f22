package dev.chainrule.autodiff.kernels;

import java.util.Objects;

/**
 * The process-wide choice of float32 matrix-product kernel ({@link KernelMode}), made before the first
 * product, and what that choice gave: the kernel that runs, named so that two processes can tell
 * whether they compute the same bits. {@link #PORTABLE} names the kernel every process of a portable
 * run computes with; a process whose {@link #active()} kernel is another gives other bits.
 *
 * <p>Call order: {@link #choose} (optional; the default is {@link KernelMode#PORTABLE}) before anything
 * multiplies float32 matrices, then {@link #active()} at any time. Thread-safe.
 */
public final class Kernels {
    /**
     * The kernel of {@link KernelMode#PORTABLE}: this build's OpenBLAS, its Haswell (AVX2 + FMA) kernels,
     * one thread per product (a product that OpenBLAS divides between threads gives other bits).
     */
    public static final String PORTABLE = "OpenBLAS " + OpenBlas.VERSION + " " + OpenBlas.PORTABLE_CORE;

    private static volatile KernelMode mode = KernelMode.PORTABLE;

    private Kernels() {
    }

    /**
     * Chooses the kernel mode for this process.
     *
     * @throws IllegalStateException when a product has already run with the other mode (the kernel is
     *     fixed as OpenBLAS loads)
     */
    public static synchronized void choose(KernelMode chosen) {
        Objects.requireNonNull(chosen, "mode");
        if (chosen != mode && OpenBlas.loadStarted) {
            throw new IllegalStateException("the kernel mode is " + mode.label() + " already: it is chosen before the first"
                    + " matrix product (asked for: " + chosen.label() + ")");
        }
        mode = chosen;
    }

    /** The chosen mode. */
    public static KernelMode mode() {
        return mode;
    }

    /**
     * The kernel float32 products run on, e.g. "OpenBLAS 0.3.31 Haswell", "OpenBLAS 0.3.31 SkylakeX",
     * or "reference" where OpenBLAS cannot load: two processes compute the same bits exactly when these
     * are equal (every product runs on one thread, however many shards a process computes at once).
     * Loads OpenBLAS if nothing has yet.
     */
    public static String active() {
        OpenBlas.Loaded loaded = OpenBlas.loaded();
        if (loaded.failure() != null) {
            return "reference";
        }
        return "OpenBLAS " + loaded.version() + " " + loaded.core();
    }

    /** Whether this process computes with the portable kernel ({@link #PORTABLE}'s). */
    public static boolean portable() {
        OpenBlas.Loaded loaded = OpenBlas.loaded();
        return loaded.failure() == null && OpenBlas.VERSION.equals(loaded.version()) && OpenBlas.PORTABLE_CORE.equals(loaded.core());
    }

    /**
     * Why this process does not compute {@link #PORTABLE}'s bits, for an error message, or "" when it
     * does: the CPU lacks the instructions, OpenBLAS did not load, or the native mode was chosen.
     */
    public static String whyNotPortable() {
        if (portable()) {
            return "";
        }
        OpenBlas.Loaded loaded = OpenBlas.loaded();
        if (loaded.pinFailure() != null) {
            return loaded.pinFailure();
        }
        if (loaded.failure() != null) {
            return "OpenBLAS is not available on this platform (" + loaded.failure() + ")";
        }
        return mode == KernelMode.NATIVE ? "the native kernel mode runs this CPU's own kernels (" + loaded.core() + ")"
                : "OpenBLAS chose its " + loaded.core() + " kernels";
    }
}
