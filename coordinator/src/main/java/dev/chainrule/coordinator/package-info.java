/**
 * The coordinator of data-parallel training: a gRPC {@code Coordinator} service that admits workers,
 * and a {@link dev.chainrule.train.ShardExecutor} that sends them each step's weights and shards and
 * collects their shard gradients for the {@link dev.chainrule.train.Trainer}.
 *
 * <p>Threads: one thread, the {@link dev.chainrule.coordinator.CoordinatorLoop}, owns the run's state
 * (membership, the step in progress and who owns which shard, the reduction, the optimiser) and makes
 * every decision about it in {@link dev.chainrule.coordinator.RunState}; one step is followed from
 * assignment to broadcast in {@link dev.chainrule.coordinator.StepInProgress}. gRPC's transport threads (the
 * server runs its calls there, with no executor of its own) run each worker's
 * {@link dev.chainrule.coordinator.WorkerSession}: they parse, check what needs no run state,
 * assemble gradients into the session's buffers, and post {@link dev.chainrule.coordinator.RunEvent}s.
 * The training thread posts each step and waits for its mean loss. The loop hands outbound messages
 * to each worker's {@link dev.chainrule.coordinator.Outbox}, which writes them as the transport is
 * ready (its monitor is the only lock besides the loop's queue).
 */
package dev.chainrule.coordinator;
