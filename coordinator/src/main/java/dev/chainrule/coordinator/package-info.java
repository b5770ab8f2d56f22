/**
 * The coordinator of data-parallel training: a gRPC {@code Coordinator} service that admits workers,
 * and a {@link dev.chainrule.train.ShardExecutor} that sends them each step's weights and shards and
 * collects their shard gradients for the {@link dev.chainrule.train.Trainer}.
 *
 * <p>Threads: the trainer's thread calls {@link dev.chainrule.coordinator.RemoteShardExecutor#compute}
 * and blocks there; gRPC threads run each worker's session. They meet in the worker registry and in
 * the step being waited for, both guarded by their own lock (lock order: registry, then step, then a
 * worker's outbox).
 */
package dev.chainrule.coordinator;
