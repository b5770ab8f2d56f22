package dev.chainrule.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What every run on the emulated cluster shares: the network, the programs and the step counts.
 *
 * @param network     the nodes' namespaces
 * @param java        the java launcher for Chainrule's processes
 * @param javaOptions JVM options for them ({@code $CHAINRULE_JAVA_OPTS})
 * @param jar         the Chainrule command-line jar
 * @param python      the Python interpreter with PyTorch
 * @param script      the path of {@code compare_ddp.py}
 * @param steps       optimiser steps of each run
 * @param warmup      steps left out at the start of each run (JIT, joining, DDP's first buckets)
 * @param logDir      where each process's output goes
 * @param runTimeout  how long one run may take, start to end
 */
record ClusterRunSettings(EmulatedNetwork network, String java, List<String> javaOptions, Path jar, String python, String script,
        int steps, int warmup, Path logDir, Duration runTimeout) {
    /** Samples per optimiser step over all workers or ranks: 256 / N each. */
    static final int GLOBAL_BATCH = 256;
    /** How long a process may take to serve its first answer, and workers to join. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /** Checks that there are steps to time after the warm-up. */
    ClusterRunSettings {
        javaOptions = List.copyOf(javaOptions);
        OptionValues.require(warmup >= 1 && steps - warmup >= 10, "--steps " + steps + ", --warmup " + warmup
                + " (expected: warm-up >= 1 and at least 10 steps after it)");
    }
}
