package dev.chainrule.cli;

import dev.chainrule.autodiff.kernels.IntraOpThreads;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --threads N}: how many threads one kernel call (a matrix product) may use in this process,
 * shared by every command that computes. The default is 1: a machine usually runs one worker per
 * core, and on a busy machine more threads per process make a step slower, not faster.
 */
final class ThreadsOption {

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Threads per matrix product in this process (intra-op parallelism); results are the same bits on"
                    + " every run with the same N (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    /** Sets the process-wide thread count. */
    void apply() throws InputException {
        if (threads < 1) {
            throw new InputException("--threads " + threads + " (expected: >= 1)");
        }
        IntraOpThreads.set(threads);
    }

    /** The option as command-line arguments, for worker processes started by this one. */
    List<String> asArguments() {
        return List.of("--threads", String.valueOf(threads));
    }
}
