package dev.chainrule.coordinator;

import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;

/**
 * What a distributed run trains, as far as its workers need to know: the model's shape, how the run
 * iterates, and the training set a worker's own copy must match.
 *
 * @param spec the model's layer widths
 * @param activation the model's hidden activation
 * @param config how the run iterates
 * @param totalSteps optimiser steps in the run
 * @param trainSamples samples in the training set
 * @param features features per training sample
 */
public record RunDescription(ModelSpec spec, Activation activation, TrainingConfig config, long totalSteps, int trainSamples,
        int features) {

    /** The run that trains {@code model} on {@code train} with {@code config}. */
    public static RunDescription of(Mlp model, Dataset train, TrainingConfig config) {
        long total = config.totalSteps(Trainer.batches(train, config).batchesPerEpoch());
        return new RunDescription(model.spec(), model.activation(), config, total, train.size(), train.features());
    }
}
