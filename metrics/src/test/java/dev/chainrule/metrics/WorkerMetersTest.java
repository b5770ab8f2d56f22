package dev.chainrule.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A worker's meters on the coordinator's scrape: there from its join, gone once it is removed, and not brought back by late counts. */
class WorkerMetersTest {
    private static final List<String> SERIES = List.of("chainrule_gradient_bytes_received_total{run=\"r\",worker=\"7\"}",
            "chainrule_weights_bytes_sent_total{run=\"r\",worker=\"7\"}", "chainrule_worker_lateness_seconds_count{run=\"r\",worker=\"7\"}");

    @Test
    void aRemovedWorkersSeriesLeaveTheScrapeAndLateCountsDoNotBringThemBack() {
        PrometheusMeterRegistry registry = MeterRegistries.prometheus("r");
        CoordinatorMetrics metrics = new CoordinatorMetrics(registry);
        WorkerMeters lost = metrics.worker(7);
        WorkerMeters kept = metrics.worker(8);
        String joined = registry.scrape();
        SERIES.forEach(series -> assertTrue(joined.contains(series + " 0"), joined));

        lost.gradientBytesReceived(100);
        lost.weightsBytesSent(200);
        lost.lateness(1_000_000);
        kept.gradientBytesReceived(5);
        String counted = registry.scrape();
        assertTrue(counted.contains("chainrule_gradient_bytes_received_total{run=\"r\",worker=\"7\"} 100.0"), counted);
        assertTrue(counted.contains("chainrule_weights_bytes_sent_total{run=\"r\",worker=\"7\"} 200.0"), counted);
        assertTrue(counted.contains("chainrule_worker_lateness_seconds_count{run=\"r\",worker=\"7\"} 1"), counted);

        lost.remove();
        lost.gradientBytesReceived(100); // a chunk that was in flight when the worker was lost
        lost.lateness(1_000_000);
        String after = registry.scrape();
        assertFalse(after.contains("worker=\"7\""), after);
        assertTrue(after.contains("chainrule_gradient_bytes_received_total{run=\"r\",worker=\"8\"} 5.0"), after);
    }
}
