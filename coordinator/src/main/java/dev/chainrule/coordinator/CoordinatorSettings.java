package dev.chainrule.coordinator;

import dev.chainrule.wire.Durations;
import dev.chainrule.wire.GradientCompression;
import dev.chainrule.wire.TensorChunks;
import java.time.Duration;
import java.util.Objects;

/**
 * How the coordinator runs a distributed job: how many workers it waits for, how long it waits for
 * them and for each step's gradients, how often workers send heartbeats and how long a silent worker
 * is kept, the workers' own receive timeout, the chunk size of tensors on the wire, and how the workers
 * compress their gradients.
 *
 * @param expectedWorkers workers that must join before step 0; also the most that may be joined at once
 *     (a replacement may join when a worker is gone)
 * @param workerWait how long the first step waits for the expected workers to join, and how long a
 *     step waits for a worker to join when no worker is left
 * @param stepTimeout how long a step waits for all of its shard gradients, reassignments included
 * @param heartbeatInterval how often workers send a heartbeat
 * @param heartbeatTimeout how long a worker may send nothing (no heartbeat, no gradient) before the
 *     coordinator drops it and reassigns its unfinished shards; longer than {@code heartbeatInterval}
 * @param receiveTimeout how long a worker waits for the coordinator's next message; it must cover
 *     the wait for the other workers to join, the slowest shard of a step, the optimiser update and
 *     the test evaluation at the end of an epoch
 * @param chunkBytes maximum element bytes per tensor chunk, both ways
 * @param compression how workers encode their gradients; {@link GradientCompression#none()} is the
 *     only one whose weights are bit for bit those of a local run
 */
public record CoordinatorSettings(int expectedWorkers, Duration workerWait, Duration stepTimeout, Duration heartbeatInterval,
        Duration heartbeatTimeout, Duration receiveTimeout, int chunkBytes, GradientCompression compression) {
    /** Room for a chunk's name, shape and the other fields of its message, on top of its element bytes. */
    static final int MESSAGE_OVERHEAD_BYTES = 64 * 1024;
    /** The largest chunk size whose messages still fit gRPC's default 4 MiB limit, which workers' channels keep. */
    public static final int MAX_CHUNK_BYTES = 4 * 1024 * 1024 - MESSAGE_OVERHEAD_BYTES;
    /** How long a worker may stay silent by default: ten heartbeats of the default interval. */
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);

    /** Validates the values, naming any that is out of range. */
    public CoordinatorSettings {
        if (expectedWorkers < 1) {
            throw new IllegalArgumentException("expectedWorkers : " + expectedWorkers + " (expected: >= 1)");
        }
        requirePositive(workerWait, "workerWait");
        requirePositive(stepTimeout, "stepTimeout");
        requirePositive(heartbeatInterval, "heartbeatInterval");
        requirePositive(heartbeatTimeout, "heartbeatTimeout");
        if (heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("heartbeatTimeout : " + Durations.describe(heartbeatTimeout)
                    + " (expected: > heartbeatInterval " + Durations.describe(heartbeatInterval) + ")");
        }
        requirePositive(receiveTimeout, "receiveTimeout");
        if (chunkBytes < 8 || chunkBytes > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunkBytes : " + chunkBytes + " (expected: 8 <= chunkBytes <= "
                    + MAX_CHUNK_BYTES + ", so that a chunk's message fits gRPC's default 4 MiB limit)");
        }
        Objects.requireNonNull(compression, "compression");
    }

    /**
     * {@code expectedWorkers} workers; 60 s to join, 60 s per step, a heartbeat every second and
     * {@link #DEFAULT_HEARTBEAT_TIMEOUT} of silence before a worker is dropped, a worker receive
     * timeout of 150 s, {@link TensorChunks#DEFAULT_CHUNK_BYTES} and uncompressed gradients.
     */
    public static CoordinatorSettings defaults(int expectedWorkers) {
        return new CoordinatorSettings(expectedWorkers, Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(1),
                DEFAULT_HEARTBEAT_TIMEOUT, Duration.ofSeconds(150), TensorChunks.DEFAULT_CHUNK_BYTES, GradientCompression.none());
    }

    /** These settings with another wait for the workers to join. */
    public CoordinatorSettings withWorkerWait(Duration value) {
        return new CoordinatorSettings(expectedWorkers, value, stepTimeout, heartbeatInterval, heartbeatTimeout,
                receiveTimeout, chunkBytes, compression);
    }

    /** These settings with another per-step timeout. */
    public CoordinatorSettings withStepTimeout(Duration value) {
        return new CoordinatorSettings(expectedWorkers, workerWait, value, heartbeatInterval, heartbeatTimeout,
                receiveTimeout, chunkBytes, compression);
    }

    /** These settings with another heartbeat interval. */
    public CoordinatorSettings withHeartbeatInterval(Duration value) {
        return new CoordinatorSettings(expectedWorkers, workerWait, stepTimeout, value, heartbeatTimeout, receiveTimeout,
                chunkBytes, compression);
    }

    /** These settings with another heartbeat timeout. */
    public CoordinatorSettings withHeartbeatTimeout(Duration value) {
        return new CoordinatorSettings(expectedWorkers, workerWait, stepTimeout, heartbeatInterval, value, receiveTimeout,
                chunkBytes, compression);
    }

    /** These settings with another worker receive timeout. */
    public CoordinatorSettings withReceiveTimeout(Duration value) {
        return new CoordinatorSettings(expectedWorkers, workerWait, stepTimeout, heartbeatInterval, heartbeatTimeout, value,
                chunkBytes, compression);
    }

    /** These settings with another chunk size. */
    public CoordinatorSettings withChunkBytes(int value) {
        return new CoordinatorSettings(expectedWorkers, workerWait, stepTimeout, heartbeatInterval, heartbeatTimeout,
                receiveTimeout, value, compression);
    }

    /** These settings with another gradient compression. */
    public CoordinatorSettings withCompression(GradientCompression value) {
        return new CoordinatorSettings(expectedWorkers, workerWait, stepTimeout, heartbeatInterval, heartbeatTimeout,
                receiveTimeout, chunkBytes,
                value);
    }

    /** The largest message the coordinator accepts: one chunk and its overhead. */
    int maxInboundMessageSize() {
        return chunkBytes + MESSAGE_OVERHEAD_BYTES;
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " : " + value + " (expected: > 0)");
        }
    }
}
