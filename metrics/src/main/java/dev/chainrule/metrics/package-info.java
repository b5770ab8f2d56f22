/**
 * The meters of the coordinator ({@link dev.chainrule.metrics.CoordinatorMetrics}) and of a worker
 * ({@link dev.chainrule.metrics.WorkerMetrics}), the Prometheus registry they live in
 * ({@link dev.chainrule.metrics.MeterRegistries}) and the HTTP endpoint that serves it
 * ({@link dev.chainrule.metrics.MetricsServer}). No global registry: every meter lives in a registry
 * its owner was given.
 */
package dev.chainrule.metrics;
