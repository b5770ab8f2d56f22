package dev.chainrule.train;

import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.checkpoint.Checkpoint;
import dev.chainrule.data.BatchSchedule;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.optim.OptimizerState;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Whether a checkpoint can continue a run ({@link #check}), and continuing it ({@link #apply}): its
 * step lies within the run, its epoch, batch and seed agree with the run's batch order, its weights
 * are the model's parameters (names, shapes, types) and its optimiser state is of the run's kind,
 * has taken exactly {@code step} steps and has one buffer per parameter shaped like it.
 *
 * @param model the run's model, whose parameters {@link #apply} overwrites
 * @param train the training set, whose size fixes the batch order
 * @param config the run's batch, epochs or steps, shuffling and seed
 * @param optimizer the run's optimiser, into which {@link #apply} imports the state
 */
public record Resumption(Mlp model, Dataset train, TrainingConfig config, Optimizer optimizer) {

    /**
     * Checks, changing nothing, that {@code checkpoint} can continue this run.
     *
     * @throws IllegalArgumentException saying what does not fit: what was expected, what was found
     */
    public void check(Checkpoint checkpoint) {
        BatchSchedule batches = Trainer.batches(train, config);
        long total = config.totalSteps(batches.batchesPerEpoch());
        long step = checkpoint.step();
        if (step > total) {
            throw new IllegalArgumentException("checkpoint after step " + step + " (expected: <= " + total + ", the run's steps)");
        }
        long epoch = step / batches.batchesPerEpoch();
        int batch = (int) (step % batches.batchesPerEpoch());
        if (checkpoint.epoch() != epoch || checkpoint.batchInEpoch() != batch) {
            throw new IllegalArgumentException("checkpoint after step " + step + " says it resumes with batch "
                    + checkpoint.batchInEpoch() + " of epoch " + checkpoint.epoch() + " (expected: batch " + batch + " of epoch "
                    + epoch + ", with " + batches.batchesPerEpoch() + " batches per epoch)");
        }
        if (checkpoint.seed() != config.seed()) {
            throw new IllegalArgumentException("checkpoint seed " + checkpoint.seed() + " (expected: " + config.seed()
                    + ", this run's)");
        }
        Map<String, Tensor> parameters = model.namedParameters();
        Map<String, Tensor> weights = checkpoint.weights();
        if (!new TreeSet<>(parameters.keySet()).equals(new TreeSet<>(weights.keySet()))) {
            throw new IllegalArgumentException("checkpoint weights " + new TreeSet<>(weights.keySet()) + " (expected: the model's "
                    + new TreeSet<>(parameters.keySet()) + ")");
        }
        parameters.forEach((name, p) -> {
            Tensor w = weights.get(name);
            if (!w.shape().equals(p.shape()) || w.dtype() != p.dtype()) {
                throw new IllegalArgumentException("checkpoint weight " + name + " is " + w.describe() + " (expected: like "
                        + p.describe() + ")");
            }
        });
        OptimizerState state = checkpoint.optimizer();
        if (state.stepCount() != step) {
            throw new IllegalArgumentException("checkpoint after step " + step + " holds the state of a " + state.kind()
                    + " optimizer after " + state.stepCount() + " steps (expected: " + step + ")");
        }
        optimizer.checkState(state, List.copyOf(parameters.values()));
    }

    /**
     * Checks {@code checkpoint} as {@link #check} does, then copies its weights into the model (in
     * place, so an executor holding the model sees them) and its state into the optimiser; returns
     * the step the run continues with.
     */
    public long apply(Checkpoint checkpoint) {
        check(checkpoint);
        optimizer.importState(checkpoint.optimizer());
        Map<String, Tensor> weights = checkpoint.weights();
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            model.namedParameters().forEach((name, p) -> p.copyFrom(weights.get(name)));
        }
        return checkpoint.step();
    }
}
