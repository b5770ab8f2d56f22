package dev.chainrule.train;

/**
 * What a training run did and reached.
 *
 * @param steps optimiser steps taken
 * @param epochs epochs covered, steps / batches per epoch (fractional when a run stops mid-epoch)
 * @param trainLoss mean training loss over the steps of the last (possibly partial) epoch
 * @param test the test split's evaluation at the end of training
 * @param wallSeconds wall-clock time of the steps and evaluations
 * @param samplesPerSecond training samples processed per second of wall-clock time spent in steps
 */
public record TrainingResult(long steps, double epochs, double trainLoss, Evaluation test, double wallSeconds,
        double samplesPerSecond) {
}
