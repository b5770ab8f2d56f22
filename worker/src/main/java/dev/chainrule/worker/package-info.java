/**
 * The worker of data-parallel training: joins a coordinator's run over one gRPC {@code Session}
 * stream, computes the shard gradients it is assigned with the weights it is sent, and streams them
 * back. {@link dev.chainrule.worker.ReconnectingSessionRunner} runs a worker's sessions one after
 * another, joining the run again when its coordinator goes away.
 */
package dev.chainrule.worker;
