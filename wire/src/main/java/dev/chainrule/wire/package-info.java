/** The mapper between engine tensors and their protobuf chunks, used by the coordinator and the workers. */
package dev.chainrule.wire;
