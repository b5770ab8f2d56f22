package dev.chainrule.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's meters of one worker, tagged with its id ({@link CoordinatorMetrics#worker}):
 * the gradient bytes it sent, the weights bytes it was sent and how late its shards arrived. Worker
 * ids are never reused (a worker that joins again gets a new one), so {@link #remove} takes a lost
 * worker's series out of the registry rather than leaving one more on the scrape for every worker
 * that ever joined; counts after that still work and are no longer exported. Thread-safe.
 */
public final class WorkerMeters {
    private final MeterRegistry registry;
    private final Counter gradientBytes;
    private final Counter weightsBytes;
    private final Timer lateness;

    WorkerMeters(MeterRegistry registry, int worker) {
        this.registry = registry;
        String tag = Integer.toString(worker);
        this.gradientBytes = Counter.builder("chainrule.gradient.bytes.received").description("Serialised gradient bytes received")
                .tag("worker", tag).register(registry);
        this.weightsBytes = Counter.builder("chainrule.weights.bytes.sent").description("Serialised weights bytes sent")
                .tag("worker", tag).register(registry);
        this.lateness = Timer.builder("chainrule.worker.lateness")
                .description("How long after the step's first shard the worker's last shard arrived").tag("worker", tag).register(registry);
    }

    /** {@code bytes} of gradient arrived from the worker. */
    public void gradientBytesReceived(long bytes) {
        gradientBytes.increment(bytes);
    }

    /** {@code bytes} of weights went to the worker. */
    public void weightsBytesSent(long bytes) {
        weightsBytes.increment(bytes);
    }

    /** The worker's last shard of a step arrived {@code nanos} after the step's first shard. */
    public void lateness(long nanos) {
        lateness.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The worker is gone for good: its series leave the registry (and so the scrape). */
    public void remove() {
        registry.remove(gradientBytes);
        registry.remove(weightsBytes);
        registry.remove(lateness);
    }
}
