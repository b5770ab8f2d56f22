package dev.chainrule.cli;

import dev.chainrule.coordinator.CoordinatorSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The coordinator's waits, shared by {@code coordinator} and {@code train --workers}. */
final class ClusterOptions {

    @Option(names = "--worker-wait", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait for the workers to join before step 0 (default: ${DEFAULT-VALUE}).")
    Duration workerWait;

    @Option(names = "--step-timeout", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long a step may wait for a shard's gradient before the run fails, naming the worker and"
                    + " the step (default: ${DEFAULT-VALUE}).")
    Duration stepTimeout;

    /** The coordinator's settings for {@code workers} workers. */
    CoordinatorSettings settings(int workers) {
        return CoordinatorSettings.defaults(workers).withWorkerWait(workerWait).withStepTimeout(stepTimeout);
    }
}
