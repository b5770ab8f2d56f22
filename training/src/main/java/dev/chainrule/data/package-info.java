/**
 * Data sets and batching for the single-process trainer: IDX (MNIST-style, raw or gzip) and CSV
 * readers, an in-memory {@link dev.chainrule.data.Dataset}, and the reproducible
 * {@link dev.chainrule.data.BatchSchedule} that maps a training step to the samples of its batch.
 *
 * <p>Start with {@link dev.chainrule.data.DataSplit}, which loads a train and a test set. Every
 * problem with the input data is a {@link dev.chainrule.data.DataFileException} whose message names
 * the file, says what was expected and what was found. The per-epoch order of a shuffled run is
 * defined exactly in {@link dev.chainrule.data.EpochShuffle}, so that another process can reproduce
 * it. No networking, no third-party libraries.
 */
package dev.chainrule.data;
