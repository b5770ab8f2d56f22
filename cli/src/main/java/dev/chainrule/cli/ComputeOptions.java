package dev.chainrule.cli;

import dev.chainrule.autodiff.kernels.KernelMode;
import dev.chainrule.autodiff.kernels.Kernels;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Which kernel this process computes with, shared by every command that does: {@code --kernel
 * portable|native}, the one whose bits are the same on every x86-64 CPU or this CPU's fastest.
 */
final class ComputeOptions {

    @Option(names = "--kernel", paramLabel = "portable|native", defaultValue = "portable", converter = KernelModeConverter.class,
            description = "portable: matrix products on OpenBLAS's Haswell kernels (AVX2 + FMA), the same bits on every x86-64"
                    + " CPU, so a run's bytes do not depend on the machines that computed it; native: the kernels OpenBLAS picks"
                    + " for this CPU (or OPENBLAS_CORETYPE names), faster on some CPUs, with bits that depend on the CPU"
                    + " (default: ${DEFAULT-VALUE}).")
    KernelMode kernel = KernelMode.PORTABLE;

    /**
     * Sets the process-wide kernel mode, and checks that the portable mode can run here.
     *
     * @throws InputException naming what this machine lacks for the portable kernel
     */
    void apply() throws InputException {
        choose();
        if (!portableOrNotAsked()) {
            throw new InputException(unportable());
        }
    }

    /**
     * Sets the kernel mode as {@link #apply} does, but only warns on {@code err} when the
     * portable mode cannot run here: a worker joins anyway, reporting the kernel it has, and the
     * coordinator decides (one in the portable mode refuses it, naming both kernels).
     */
    void applyWarning(PrintWriter err) throws InputException {
        choose();
        if (!portableOrNotAsked()) {
            err.println("warning: " + unportable() + "; a coordinator in the portable mode will refuse this worker");
        }
    }

    private void choose() throws InputException {
        try {
            Kernels.choose(kernel);
        } catch (IllegalStateException e) {
            throw new InputException("--kernel " + kernel.label() + ": " + e.getMessage());
        }
    }

    private boolean portableOrNotAsked() {
        return kernel != KernelMode.PORTABLE || Kernels.portable();
    }

    private static String unportable() {
        return "--kernel portable cannot run here: " + Kernels.whyNotPortable() + " (its bits, " + Kernels.PORTABLE + "'s, are what"
                + " every machine of a run must compute; --kernel native computes with this machine's own kernel, " + Kernels.active()
                + ", whose bits depend on the CPU)";
    }

    /** The options as command-line arguments, for worker processes started by this one. */
    List<String> asArguments() {
        return List.of("--kernel", kernel.label());
    }
}
