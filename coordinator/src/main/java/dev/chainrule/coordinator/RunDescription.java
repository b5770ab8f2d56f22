package dev.chainrule.coordinator;

import dev.chainrule.autodiff.kernels.KernelMode;
import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import java.util.Optional;

/**
 * What a distributed run trains, as far as its workers need to know: the model's shape, how the run
 * iterates, the training set a worker's own copy must match, and the kernel its shards must be
 * computed with.
 *
 * @param spec the model's layer widths
 * @param activation the model's hidden activation
 * @param config how the run iterates
 * @param totalSteps optimiser steps in the run
 * @param trainSamples samples in the training set
 * @param features features per training sample
 * @param dataFingerprint the training set's {@link Dataset#fingerprint()}
 * @param dataSource where the coordinator's training set came from, for messages
 * @param requiredKernel the kernel every worker must compute with (in the portable mode, this process's
 *     {@link Kernels#active()}: the portable kernel at its thread count), or empty when any will do (the
 *     native mode)
 */
public record RunDescription(ModelSpec spec, Activation activation, TrainingConfig config, long totalSteps, int trainSamples,
        int features, String dataFingerprint, String dataSource, Optional<String> requiredKernel) {

    /** The run that trains {@code model} on {@code train} with {@code config}, in this process's {@link Kernels#mode()}. */
    public static RunDescription of(Mlp model, Dataset train, TrainingConfig config) {
        long total = config.totalSteps(Trainer.batches(train, config).batchesPerEpoch());
        Optional<String> kernel = Kernels.mode() == KernelMode.PORTABLE ? Optional.of(Kernels.active()) : Optional.empty();
        return new RunDescription(model.spec(), model.activation(), config, total, train.size(), train.features(),
                train.fingerprint(), train.source(), kernel);
    }
}
