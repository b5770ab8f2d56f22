package dev.chainrule.worker;

/**
 * How a worker's session ended: by the coordinator's Stop.
 *
 * @param workerId the id the coordinator gave the worker (-1 when Stop came before a Welcome)
 * @param finished whether the coordinator said training completed normally
 * @param reason the reason the coordinator gave
 * @param stats what the worker did
 */
public record WorkerResult(int workerId, boolean finished, String reason, WorkerStats stats) {
}
