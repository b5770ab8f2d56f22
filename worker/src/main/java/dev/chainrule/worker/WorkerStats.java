package dev.chainrule.worker;

import java.time.Duration;

/**
 * What a worker has done so far, for logs and metrics.
 *
 * @param steps steps in which it computed at least one shard
 * @param shards shard gradients computed and sent
 * @param samples samples in those shards
 * @param computeTime time spent computing shard gradients (forward and backward)
 * @param communicationTime the rest of the session after the Welcome: waiting for and receiving
 *     weights and assignments, loading the weights, encoding and sending gradients
 */
public record WorkerStats(long steps, long shards, long samples, Duration computeTime, Duration communicationTime) {
}
