/**
 * The worker of data-parallel training: joins a coordinator's run over one gRPC {@code Session}
 * stream, computes the shard gradients it is assigned with the weights it is sent, and streams them
 * back.
 */
package dev.chainrule.worker;
