package dev.chainrule.cli;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --threads N} of the commands that compute shards ({@code train}, {@code worker}): how many of
 * a step's shards this process computes at once, each on its own thread with single-threaded matrix
 * products, added in shard order, so that the bits never depend on N.
 */
final class ThreadsOption {

    @Option(names = "--threads", paramLabel = "N",
            description = "Compute up to N of a step's shards at once in this process, each on its own thread with"
                    + " single-threaded matrix products, added in shard order: the bits are the same for every N. Threads"
                    + " beyond the shards this process computes stay idle (default: the number of processors).")
    Integer threads;

    /** --threads, or the number of processors when it is not given. */
    int threads() throws InputException {
        if (threads != null && threads < 1) {
            throw new InputException("--threads " + threads + " (expected: >= 1)");
        }
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** The option as given, as command-line arguments for worker processes started by this one (none when not given). */
    List<String> asArguments() {
        return threads == null ? List.of() : List.of("--threads", String.valueOf(threads));
    }
}
