package dev.chainrule.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;

/** The registries meters are kept in: a Prometheus one with the JVM's metrics, or one that keeps nothing. */
public final class MeterRegistries {
    /** The tag every meter carries: which run it belongs to. */
    public static final String RUN_TAG = "run";

    private MeterRegistries() {
    }

    /**
     * A Prometheus registry whose meters all carry the tag {@code run} = {@code run} (and
     * {@code extraTags}, key/value pairs, e.g. "worker", "host-a/pid-7"), with the JVM's memory, GC,
     * thread, class loader, processor and uptime metrics bound. Meant to be made once per process:
     * the GC metrics' notification listener stays registered for the life of the JVM.
     */
    public static PrometheusMeterRegistry prometheus(String run, String... extraTags) {
        Objects.requireNonNull(run, "run");
        if (run.isBlank()) {
            throw new IllegalArgumentException("run : '" + run + "' (expected: not blank)");
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(Tags.of(RUN_TAG, run).and(extraTags));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** A registry that keeps nothing (a composite with no children): meters registered in it are no-ops. */
    public static MeterRegistry none() {
        return new CompositeMeterRegistry();
    }
}
