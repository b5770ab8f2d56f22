/**
 * The mapper between engine tensors and their protobuf chunks, used by the coordinator and the
 * workers, and the form of the bearer token both ends put on and check in the calls' metadata.
 */
package dev.chainrule.wire;
