/**
 * Training checkpoints: a run's weights, optimiser state, step and configuration in one file
 * ({@link dev.chainrule.checkpoint.CheckpointFile}: safetensors content, then a trailer with its
 * SHA-256), written atomically, the newest two kept in a directory
 * ({@link dev.chainrule.checkpoint.CheckpointStore}), and read back only when intact and written by a
 * run with the same {@link dev.chainrule.checkpoint.RunConfig configuration}. A
 * {@link dev.chainrule.train.Trainer} writes them every K steps and resumes from one to the same bits
 * as a run that never stopped.
 */
package dev.chainrule.checkpoint;
