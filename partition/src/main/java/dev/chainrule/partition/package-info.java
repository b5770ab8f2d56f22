/**
 * A coordinator partition and its exchange with the workers ({@code partition.proto}): the partition's
 * side ({@link dev.chainrule.partition.PartitionHost}, its gRPC
 * {@link dev.chainrule.partition.PartitionService} and one {@code ExchangeStream} per worker) and the
 * worker's side ({@link dev.chainrule.partition.PartitionLink}, one per partition;
 * {@link dev.chainrule.partition.PieceSender}, which cuts each parameter's gradient into the
 * partitions' pieces as backward produces it; {@link dev.chainrule.partition.LocalPieces}, the way to
 * the partition a worker hosts itself, in memory).
 *
 * <p>A partition owns a slice of the flat parameter vector ({@link dev.chainrule.train.partition});
 * what it does each step is the leader's to say (which step, its shards, the learning rate), through
 * the session of the worker that hosts it: this package knows nothing of the leader.
 */
package dev.chainrule.partition;
