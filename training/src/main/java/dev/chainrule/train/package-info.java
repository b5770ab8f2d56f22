/** The single-process training loop: shard gradients, their ordered sum, evaluation and progress. */
package dev.chainrule.train;
