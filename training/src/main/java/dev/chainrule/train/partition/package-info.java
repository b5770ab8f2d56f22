/**
 * A run's parameters split over K partitions, each of which adds its slice of every shard's gradient
 * and updates its slice of the weights.
 *
 * <p>The flat parameter vector is every parameter in model order, each flattened row-major, one
 * after the other: T elements. Partition j of K owns its elements [⌊j·T/K⌋, ⌊(j+1)·T/K⌋), so the
 * partitions are contiguous, cover the vector and differ in size by at most one
 * ({@link dev.chainrule.train.partition.ParameterPartitions}). A parameter may be cut between
 * partitions: a partition's share of one parameter is a
 * {@link dev.chainrule.train.partition.Piece}, named {@code <parameter name>[<from>:<to>]}, which the
 * partition's optimiser treats as a parameter of its own.
 *
 * <p>A {@link dev.chainrule.train.partition.Partition} keeps its pieces' weights, adds its pieces of
 * the shards' gradients in shard order and steps its optimiser over them. Every optimiser of
 * {@code dev.chainrule.optim} updates each element from that element's weight, gradient sum and
 * buffers, the step count, the learning rate and the divisor alone, and the shard-order sum is also
 * element by element, so the weights and buffers are the same bits for every K as for the whole
 * model in one piece. {@link dev.chainrule.train.partition.PartitionStates} cuts a whole model's
 * optimiser state into the partitions' states and joins them back, so that K partitions checkpoint
 * as one ordinary checkpoint and a run resumes with any K.
 */
package dev.chainrule.train.partition;
