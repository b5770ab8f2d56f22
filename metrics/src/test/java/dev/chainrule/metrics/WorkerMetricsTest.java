package dev.chainrule.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** A worker's meters of the partition it hosts, as Prometheus sees them: each tagged with the partition. */
class WorkerMetricsTest {

    @Test
    void thePartitionAWorkerHostsCountsItsShardsAndUpdatesUnderItsOwnTag() {
        PrometheusMeterRegistry registry = MeterRegistries.prometheus("r");
        WorkerMetrics metrics = new WorkerMetrics(registry);
        assertFalse(registry.scrape().contains("chainrule_partition_"), "a worker that hosts none has no partition series");
        metrics.partitionShardIn(1);
        metrics.partitionShardIn(1);
        metrics.partitionUpdated(1);
        String scrape = registry.scrape();
        assertTrue(scrape.contains("chainrule_partition_shards_total{partition=\"1\",run=\"r\"} 2.0"), scrape);
        assertTrue(scrape.contains("chainrule_partition_updates_total{partition=\"1\",run=\"r\"} 1.0"), scrape);
    }
}
