package dev.chainrule.checkpoint;

import dev.chainrule.data.Excerpt;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that decides a training run's bits, which a checkpoint records and a resumed run must
 * repeat exactly: the model, the optimiser and its settings, the learning rate and its schedule, how
 * the run iterates over the data (batch, epochs or steps, shuffling, seed, shards) and the size of the
 * training set. A checkpoint stores these as {@link #fields() text fields}; a run resumes only from a
 * checkpoint whose fields are all equal to its own ({@link #differences}).
 *
 * <p>Not recorded: the data itself beyond its sample count, and where the initial weights came from
 * ({@code --init} or the seed), since a resumed run takes its weights from the checkpoint.
 *
 * @param model the layer widths
 * @param activation the hidden activation
 * @param optimizer the optimiser kind, e.g. {@code adam}
 * @param optimizerSettings its hyper-parameters (all of them, whether the kind uses them or not)
 * @param learningRate the base learning rate
 * @param schedule the learning-rate schedule kind, e.g. {@code cosine}
 * @param batchSize samples per step
 * @param epochs epochs asked for (ignored by the run when {@code steps > 0}, still compared)
 * @param steps steps asked for, 0 when the run counts epochs
 * @param shuffle whether each epoch has its own order
 * @param seed the seed of the initialisation and of the epoch orders
 * @param shards the shards each batch's gradient is computed in
 * @param totalSteps optimiser steps in the whole run
 * @param trainSamples samples in the training set
 */
public record RunConfig(ModelSpec model, Activation activation, String optimizer, OptimizerSettings optimizerSettings,
        double learningRate, String schedule, int batchSize, int epochs, long steps, boolean shuffle, long seed, int shards,
        long totalSteps, int trainSamples) {

    /** Checks that nothing is null. */
    public RunConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(optimizerSettings, "optimizerSettings");
        Objects.requireNonNull(schedule, "schedule");
    }

    /**
     * The fields as a checkpoint stores them, in this order: {@code model}, {@code activation},
     * {@code optimizer}, {@code lr}, {@code lr-schedule}, {@code momentum}, {@code beta1},
     * {@code beta2}, {@code eps}, {@code weight-decay}, {@code batch}, {@code epochs}, {@code steps},
     * {@code shuffle}, {@code seed}, {@code shards}, {@code total-steps}, {@code train-samples}. Numbers
     * are written so that they read back exactly ({@link Double#toString}).
     */
    public LinkedHashMap<String, String> fields() {
        LinkedHashMap<String, String> f = new LinkedHashMap<>();
        f.put("model", model.toString());
        f.put("activation", activation.toString());
        f.put("optimizer", optimizer);
        f.put("lr", Double.toString(learningRate));
        f.put("lr-schedule", schedule);
        f.put("momentum", Double.toString(optimizerSettings.momentum()));
        f.put("beta1", Double.toString(optimizerSettings.beta1()));
        f.put("beta2", Double.toString(optimizerSettings.beta2()));
        f.put("eps", Double.toString(optimizerSettings.eps()));
        f.put("weight-decay", Double.toString(optimizerSettings.weightDecay()));
        f.put("batch", Integer.toString(batchSize));
        f.put("epochs", Integer.toString(epochs));
        f.put("steps", Long.toString(steps));
        f.put("shuffle", Boolean.toString(shuffle));
        f.put("seed", Long.toString(seed));
        f.put("shards", Integer.toString(shards));
        f.put("total-steps", Long.toString(totalSteps));
        f.put("train-samples", Integer.toString(trainSamples));
        return f;
    }

    /**
     * How the fields {@code stored} in a checkpoint differ from this run's, one sentence per field
     * (e.g. {@code "lr is 0.01 in the checkpoint, 0.02 in this run"}); empty when they are the same.
     */
    public List<String> differences(Map<String, String> stored) {
        Map<String, String> own = fields();
        Set<String> names = new LinkedHashSet<>(own.keySet());
        names.addAll(stored.keySet());
        List<String> differences = new ArrayList<>();
        for (String name : names) {
            String theirs = stored.get(name);
            String ours = own.get(name);
            if (theirs == null) {
                differences.add(name + " is not recorded in the checkpoint (this run has " + ours + ")");
            } else if (ours == null) {
                differences.add(Excerpt.of(name) + " is " + Excerpt.of(theirs) + " in the checkpoint, which this version does not know");
            } else if (!theirs.equals(ours)) {
                differences.add(name + " is " + Excerpt.of(theirs) + " in the checkpoint, " + ours + " in this run");
            }
        }
        return differences;
    }
}
