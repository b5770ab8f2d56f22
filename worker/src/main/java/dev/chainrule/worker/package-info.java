/**
 * The worker of data-parallel training: joins a coordinator's run over one gRPC {@code Session}
 * stream, computes the shard gradients it is assigned with the weights it is sent, and streams them
 * back. {@link dev.chainrule.worker.ReconnectingSessionRunner} runs a worker's sessions one after
 * another, joining the run again when its coordinator goes away.
 *
 * <p>Threads: a session's own thread (the caller of {@link dev.chainrule.worker.Worker#run}) loads the
 * weights it is sent, computes its shards and sends their gradients; gRPC's network thread only
 * queues inbound messages for it ({@link dev.chainrule.wire.CallStream}); a daemon thread sends
 * the heartbeat.
 */
package dev.chainrule.worker;
