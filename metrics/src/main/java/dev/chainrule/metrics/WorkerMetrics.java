package dev.chainrule.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A worker's meters (Micrometer name → Prometheus name):
 * <ul>
 *   <li>{@code chainrule.worker.compute} (timer → {@code chainrule_worker_compute_seconds_*}): one
 *       shard's forward and backward pass;
 *   <li>{@code chainrule.worker.communication} (timer): per assignment, the rest of the session since
 *       the previous one: waiting for and loading weights, encoding and sending gradients;
 *   <li>{@code chainrule.worker.samples} (counter → {@code chainrule_worker_samples_total}): samples
 *       in the shards computed;
 *   <li>{@code chainrule.partition.shards} (counter → {@code chainrule_partition_shards_total}, tag
 *       {@code partition}): shards the partition this worker hosts took into its sums;
 *   <li>{@code chainrule.partition.updates} (counter → {@code chainrule_partition_updates_total}, tag
 *       {@code partition}): steps that partition applied.
 * </ul>
 * Thread-safe.
 */
public final class WorkerMetrics {
    private final Timer compute;
    private final Timer communication;
    private final Counter samples;
    private final MeterRegistry registry;

    /** The meters, registered in {@code registry}. */
    public WorkerMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.compute = Timer.builder("chainrule.worker.compute").description("A shard's forward and backward pass").register(registry);
        this.communication = Timer.builder("chainrule.worker.communication")
                .description("Sending gradients and waiting for weights and assignments").register(registry);
        this.samples = Counter.builder("chainrule.worker.samples").description("Samples in the shards computed").register(registry);
    }

    /** Meters that keep nothing, for a worker without metrics. */
    public static WorkerMetrics disabled() {
        return new WorkerMetrics(MeterRegistries.none());
    }

    /** A shard of {@code shardSamples} samples took {@code nanos} to compute. */
    public void computed(int shardSamples, long nanos) {
        compute.record(nanos, TimeUnit.NANOSECONDS);
        samples.increment(shardSamples);
    }

    /** The partition this worker hosts, {@code partition}, took a shard into its sums. */
    public void partitionShardIn(int partition) {
        Counter.builder("chainrule.partition.shards").description("Shards the hosted partition took into its sums")
                .tag("partition", Integer.toString(partition)).register(registry).increment();
    }

    /** The partition this worker hosts, {@code partition}, applied a step. */
    public void partitionUpdated(int partition) {
        Counter.builder("chainrule.partition.updates").description("Steps the hosted partition applied")
                .tag("partition", Integer.toString(partition)).register(registry).increment();
    }

    /** {@code nanos} went to communication. */
    public void communication(long nanos) {
        communication.record(nanos, TimeUnit.NANOSECONDS);
    }
}
