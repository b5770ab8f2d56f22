/**
 * The mapper between engine tensors and their protobuf chunks, used by the coordinator and the
 * workers: dense chunks that view float32 tensors ({@link dev.chainrule.wire.TensorChunks}), the
 * optional gradient compression with error feedback ({@link dev.chainrule.wire.GradientCompression},
 * {@link dev.chainrule.wire.GradientEncoder}), one codec per encoding, its encoder and decoder side
 * by side ({@code ElementCodec} and its kinds), the checking and decoding receiver
 * ({@link dev.chainrule.wire.TensorAssembler}); and the form of the bearer token both ends put on and
 * check in the calls' metadata.
 */
package dev.chainrule.wire;
