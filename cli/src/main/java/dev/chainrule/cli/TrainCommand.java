package dev.chainrule.cli;

import dev.chainrule.data.DataFileException;
import dev.chainrule.data.DataSplit;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedule;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.PlainProgress;
import dev.chainrule.train.TerminalProgress;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import dev.chainrule.weights.ModelWeights;
import dev.chainrule.weights.WeightsFileException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code chainrule train}: trains an MLP in this process on an IDX or CSV data set, printing progress,
 * the test split's loss and accuracy after every epoch, and optionally saving the weights and a
 * JSON summary.
 */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Train an MLP in this process on Fashion-MNIST, another IDX data set, or CSV files.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Builds the model given by --model (Linear layers, the --activation after every layer but the last,"
                    + " softmax cross-entropy averaged over the batch), then takes optimiser steps on batches of --batch"
                    + " samples: forward pass, reverse-mode differentiation, update. Each epoch visits the training set"
                    + " in a new order derived from --seed (file order with --no-shuffle); its last, smaller batch is kept.",
            "",
            "On a terminal a progress bar shows epoch, step, loss, samples/s and ETA; otherwise one line per epoch."
                    + " After every epoch and at the end, the test split's loss and accuracy are printed.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:unexpected error (one line; --verbose for the stack trace)",
            "2:invalid input: options, data files, weights files"
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  chainrule train                                  (Fashion-MNIST, 10 epochs, Adam, cosine schedule)",
            "  chainrule train --epochs 1 --save weights.safetensors --metrics-out run.json",
            "  chainrule train --optimizer momentum --lr 0.05 --lr-schedule constant --activation tanh",
            "  chainrule train --train train.csv --test test.csv --model 4-16-3 --batch 16 --epochs 50",
            "  chainrule eval --weights weights.safetensors"
        })
public final class TrainCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private DataOptions data = new DataOptions();

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "784-256-128-10",
            description = "Layer widths: input, hidden..., classes (default: ${DEFAULT-VALUE}).")
    private String model;

    @Option(names = "--activation", paramLabel = "relu|sigmoid|tanh", defaultValue = "relu",
            description = "Hidden activation; ReLU layers start from He init, sigmoid and tanh from Xavier (default: ${DEFAULT-VALUE}).")
    private String activation;

    @Option(names = "--optimizer", paramLabel = "sgd|momentum|adam", defaultValue = "adam",
            description = "Optimiser, with torch.optim semantics (default: ${DEFAULT-VALUE}).")
    private String optimizer;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.001", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--lr-schedule", paramLabel = "constant|cosine", defaultValue = "cosine",
            description = "constant, or cosine annealing to 0 over the run's steps, stepped once per optimiser step"
                    + " (default: ${DEFAULT-VALUE}).")
    private String schedule;

    @Option(names = "--momentum", paramLabel = "MU", defaultValue = "0.9",
            description = "Momentum of the momentum optimiser (default: ${DEFAULT-VALUE}).")
    private double momentum;

    @Option(names = "--weight-decay", paramLabel = "L2", defaultValue = "0",
            description = "L2 weight decay added to the gradient, as torch.optim's weight_decay (default: ${DEFAULT-VALUE}).")
    private double weightDecay;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "Samples per optimiser step (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Option(names = "--steps", paramLabel = "K", description = "Stop after exactly K optimiser steps; overrides --epochs.")
    private Long steps;

    @Option(names = "--shards", paramLabel = "S", defaultValue = "1",
            description = "Compute each batch's gradient in S contiguous shards added in order, exactly as S distributed"
                    + " workers would (default: ${DEFAULT-VALUE}).")
    private int shards;

    @Option(names = "--no-shuffle", description = "Visit the training set in file order every epoch.")
    private boolean noShuffle;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42",
            description = "Seed of the weight initialisation and of each epoch's order (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--init", paramLabel = "FILE", description = "Start from the weights in this safetensors file instead of a seeded initialisation.")
    private Path init;

    @Option(names = "--save", paramLabel = "FILE", description = "Write the final weights to this safetensors file (fc1.weight, fc1.bias, ...).")
    private Path save;

    @Option(names = "--metrics-out", paramLabel = "FILE",
            description = "Write one JSON object at the end: steps, epochs, train_loss, test_accuracy, wall_seconds, samples_per_second.")
    private Path metricsOut;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            ModelSpec modelSpec = ModelSpec.parse(model);
            Activation hidden = Activation.parse(activation);
            Optimizer opt = Optimizers.create(optimizer, OptimizerSettings.defaults().withMomentum(momentum).withWeightDecay(weightDecay));
            TrainingConfig config = new TrainingConfig(batch, epochs, steps == null ? 0 : requirePositive(steps), !noShuffle, seed, shards);
            Mlp mlp = init != null ? ModelWeights.load(init, modelSpec, hidden) : Mlp.initialized(modelSpec, hidden, seed);
            DataSplit split = data.load(true);
            int batchesPerEpoch = Trainer.batches(split.train(), config).batchesPerEpoch();
            long total = config.totalSteps(batchesPerEpoch);
            LearningRateSchedule rates = LearningRateSchedules.create(schedule, learningRate, total);
            Trainer trainer = new Trainer(mlp, split, config, opt, rates, progress(out));
            out.printf(Locale.ROOT, "training %s %s, %s lr %s (%s), batch %d, %d steps (%.2f epochs) on %d samples from %s%n",
                    modelSpec, hidden, optimizer, learningRate, schedule, batch, total,
                    (double) total / batchesPerEpoch, split.train().size(), data.describe());
            out.flush();
            TrainingResult result = trainer.run();
            out.printf(Locale.ROOT, "done: %d steps in %.1f s (%,.0f samples/s); test loss %.4f, test accuracy %.2f%%%n",
                    result.steps(), result.wallSeconds(), result.samplesPerSecond(), result.test().loss(), 100 * result.test().accuracy());
            if (save != null) {
                ModelWeights.save(save, mlp);
                out.println("saved weights to " + save);
            }
            if (metricsOut != null) {
                RunSummary.write(metricsOut, result);
            }
            out.flush();
            return ExitCode.OK;
        } catch (InputException | IllegalArgumentException | DataFileException | WeightsFileException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return ExitCode.USAGE;
        }
    }

    private static long requirePositive(long steps) throws InputException {
        if (steps < 1) {
            throw new InputException("--steps " + steps + " (expected: >= 1)");
        }
        return steps;
    }

    /** A live bar on a terminal, one line per epoch otherwise. */
    private TrainingListener progress(PrintWriter out) {
        return System.console() != null ? new TerminalProgress(out) : new PlainProgress(out);
    }
}
