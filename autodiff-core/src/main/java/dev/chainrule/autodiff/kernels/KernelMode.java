package dev.chainrule.autodiff.kernels;

import java.util.Locale;

/**
 * Which float32 matrix-product kernel a process computes with, chosen once before its first product
 * ({@link Kernels#choose}). The choice decides whether a run's bytes depend on the CPU.
 */
public enum KernelMode {
    /**
     * The same arithmetic on every x86-64 CPU with AVX2 and FMA: OpenBLAS's Haswell kernels, whatever
     * the CPU would pick for itself. Runs, and the shards of a distributed run, give the same bits on
     * an AVX-512 Xeon, an EPYC or an AVX2-only machine. The default.
     */
    PORTABLE,
    /**
     * The kernel OpenBLAS picks for this CPU (or the one {@code OPENBLAS_CORETYPE} names): faster on
     * some CPUs, but the bits of a run then depend on which CPU models computed it.
     */
    NATIVE;

    /** The mode named {@code text} ("portable" or "native", any case). */
    public static KernelMode parse(String text) {
        for (KernelMode mode : values()) {
            if (mode.name().equalsIgnoreCase(text.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("kernel '" + text + "' (expected: portable or native)");
    }

    /** The mode's name as the command line spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
