package dev.chainrule.cli;

import dev.chainrule.checkpoint.CheckpointStore;
import dev.chainrule.checkpoint.RunConfig;
import dev.chainrule.data.DataSplit;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.Resumption;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.weights.ModelWeights;
import dev.chainrule.weights.OutputPathException;
import dev.chainrule.weights.OutputPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options that define a training run, shared by {@code train} and {@code coordinator}. */
final class TrainingOptions {
    /** Steps between checkpoints when --checkpoint-dir is given without --checkpoint-every. */
    static final long DEFAULT_CHECKPOINT_EVERY = 100;

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "784-256-128-10",
            description = "Layer widths: input, hidden..., classes (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--activation", paramLabel = "relu|sigmoid|tanh", defaultValue = "relu",
            description = "Hidden activation; ReLU layers start from He init, sigmoid and tanh from Xavier (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--optimizer", paramLabel = "sgd|momentum|adam", defaultValue = "adam",
            description = "Optimiser, with torch.optim semantics (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.001", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--lr-schedule", paramLabel = "constant|cosine", defaultValue = "cosine",
            description = "constant, or cosine annealing to 0 over the run's steps, stepped once per optimiser step"
                    + " (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--momentum", paramLabel = "MU", defaultValue = "0.9",
            description = "Momentum of the momentum optimiser (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", paramLabel = "L2", defaultValue = "0",
            description = "L2 weight decay added to the gradient, as torch.optim's weight_decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Samples per optimiser step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--steps", paramLabel = "K", description = "Stop after exactly K optimiser steps; overrides --epochs.")
    Long steps;

    @Option(names = "--shards", paramLabel = "S",
            description = "Compute each batch's gradient in S contiguous shards added in order (default: " + TrainingConfig.DEFAULT_SHARDS
                    + ", or the number of workers when that is larger). The same S gives the same weights, bit for bit, in"
                    + " one process on any number of threads or on any number of workers.")
    Integer shards;

    @Option(names = "--no-shuffle", description = "Visit the training set in file order every epoch.")
    boolean noShuffle;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42",
            description = "Seed of the weight initialisation and of each epoch's order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--init", paramLabel = "FILE", description = "Start from the weights in this safetensors file instead of a seeded initialisation.")
    Path init;

    @Option(names = "--save", paramLabel = "FILE", description = "Write the final weights to this safetensors file (fc1.weight, fc1.bias, ...).")
    Path save;

    @Option(names = "--metrics-out", paramLabel = "FILE",
            description = "Write one JSON object at the end: steps, epochs, train_loss, test_accuracy, wall_seconds, samples_per_second.")
    Path metricsOut;

    @Option(names = "--report", paramLabel = "DIR",
            description = "At the end, write DIR/index.html: a page that opens offline, without scripts, with plots of the train"
                    + " and test loss and the test accuracy per epoch, samples/s over the run, each worker's compute against"
                    + " communication, and the test set's confusion matrix as a heatmap.")
    Path report;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "Write a checkpoint (weights, optimiser state, step, seed and these options, with a SHA-256) to DIR"
                    + " every --checkpoint-every steps, after the last step and when the run fails, keeping the newest two."
                    + " If DIR holds a checkpoint of this run, resume from the newest intact one: the final weights are those of"
                    + " a run that never stopped.")
    Path checkpointDir;

    @Option(names = "--checkpoint-every", paramLabel = "K",
            description = "Steps between checkpoints (default: " + DEFAULT_CHECKPOINT_EVERY + "; needs --checkpoint-dir).")
    Long checkpointEvery;

    /**
     * Validates the options, loads the data and builds the model for a run on {@code workers} workers (0:
     * in this process), which set the default shard count: everything a run needs before its
     * first step; with --checkpoint-dir, also finds the checkpoint to resume from (refusing one of
     * another configuration, and failing when no checkpoint there is intact). Checkpoints found
     * unusable while the run prunes them are reported on {@code out}. The output paths are
     * checked first, so that a run never trains only to find it cannot save.
     */
    TrainingRun prepare(int workers, PrintWriter out) throws InputException, IOException {
        if (steps != null && steps < 1) {
            throw new InputException("--steps " + steps + " (expected: >= 1)");
        }
        if (checkpointEvery != null && checkpointDir == null) {
            throw new InputException("--checkpoint-every needs --checkpoint-dir DIR (where to write the checkpoints)");
        }
        if (checkpointEvery != null && checkpointEvery < 1) {
            throw new InputException("--checkpoint-every " + checkpointEvery + " (expected: >= 1)");
        }
        checkOutputPaths();
        ModelSpec spec = ModelSpec.parse(model);
        Activation hidden = Activation.parse(activation);
        TrainingConfig config = new TrainingConfig(batch, epochs, steps == null ? 0 : steps, !noShuffle, seed,
                shards != null ? shards : Math.max(TrainingConfig.DEFAULT_SHARDS, workers));
        OptimizerSettings settings = optimizerSettings();
        var optimizerInstance = Optimizers.create(optimizer, settings);
        Mlp mlp = init != null ? ModelWeights.load(init, spec, hidden) : Mlp.initialized(spec, hidden, seed);
        DataSplit split = data.load().requireFeatures(spec.inputs()).requireLabelsBelow(spec.outputs(), "the model's output layer");
        int batchesPerEpoch = Trainer.batches(split.train(), config).batchesPerEpoch();
        long total = config.totalSteps(batchesPerEpoch);
        var rates = LearningRateSchedules.create(schedule, learningRate, total);
        CheckpointStore checkpoints = checkpointDir == null ? null : new CheckpointStore(checkpointDir, new RunConfig(spec, hidden,
                optimizer, settings, learningRate, schedule, config.batchSize(), config.epochs(), config.steps(), config.shuffle(),
                config.seed(), config.shards(), total, split.train().size()), notice -> {
                    out.println("warning: " + notice);
                    out.flush();
                });
        CheckpointStore.Found resume = checkpoints == null ? null
                : checkpoints.latest(new Resumption(mlp, split.train(), config, optimizerInstance)::check).orElse(null);
        return new TrainingRun(this, mlp, split, config, optimizerInstance, rates, total, batchesPerEpoch, checkpoints,
                checkpointEvery != null ? checkpointEvery : DEFAULT_CHECKPOINT_EVERY, resume);
    }

    /** The optimiser's settings these options give. */
    OptimizerSettings optimizerSettings() {
        return OptimizerSettings.defaults().withMomentum(momentum).withWeightDecay(weightDecay);
    }

    /** --save, --metrics-out, --report and --checkpoint-dir can be written (a directory is created); errors name the path given. */
    private void checkOutputPaths() throws OutputPathException, InputException {
        if (save != null) {
            OutputPaths.file(save);
        }
        if (metricsOut != null) {
            OutputPaths.file(metricsOut);
        }
        if (checkpointDir != null) {
            OutputPaths.directory(checkpointDir);
        }
        if (report != null) {
            ReportTarget.check(report);
        }
    }
}
