package dev.chainrule.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The coordinator's meters as Prometheus sees them before and after a rejection. */
class CoordinatorMetricsTest {

    @Test
    void rejectedMessagesStartAtZeroForEveryReasonSoTheFirstRejectionIsAnIncrease() {
        PrometheusMeterRegistry registry = MeterRegistries.prometheus("r");
        CoordinatorMetrics metrics = new CoordinatorMetrics(registry);
        String before = registry.scrape();
        for (String reason : CoordinatorMetrics.REJECTION_REASONS) {
            assertTrue(before.contains("chainrule_rejected_messages_total{reason=\"" + reason + "\",run=\"r\"} 0.0"), before);
        }
        metrics.rejectedMessage("FAILED_PRECONDITION");
        String after = registry.scrape();
        assertTrue(after.contains("chainrule_rejected_messages_total{reason=\"failed_precondition\",run=\"r\"} 1.0"), after);
        assertTrue(after.contains("chainrule_rejected_messages_total{reason=\"invalid_argument\",run=\"r\"} 0.0"), after);
    }
}
