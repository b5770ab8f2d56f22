package dev.chainrule.train;

import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.checkpoint.Checkpoint;
import dev.chainrule.checkpoint.CheckpointStore;
import dev.chainrule.data.BatchSchedule;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.LearningRateSchedule;
import dev.chainrule.optim.Optimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Trains a model. Each optimiser step takes its batch from the {@link BatchSchedule}, cuts it into
 * shards ({@link ShardPlan}), has the {@link ShardExecutor} compute each shard's gradient of the
 * summed loss ({@link ShardGradient}) — here or on remote workers — adds them in shard order and,
 * once every shard is in, lets the optimiser update each parameter from its sum divided by the batch
 * size, with the step's learning rate ({@link StepReduction}, {@link TrainingStep}). The same loop
 * drives local and distributed runs, so both give the same bits for the same number of shards.
 * At the end of every epoch, and of training, the test split is evaluated.
 *
 * <p>Checkpoints ({@link #checkpointEvery}): after every K-th step and after the last one, the
 * weights and the optimiser's state are written to a {@link CheckpointStore}; and when a step fails
 * (the executor throws, e.g. because no worker is left), the state after the last completed step is
 * written before the exception is rethrown, so the run can be resumed from there. A run resumed from
 * a checkpoint ({@link #resumeFrom}) starts at the checkpoint's step with its weights and optimiser
 * state; since the batch order, the learning rate and the optimiser's bias corrections are functions
 * of the step, it ends with the same bits as a run that never stopped. The same holds within a run:
 * when the executor loses the steps since the newest checkpoint ({@link StepsLostException}, e.g. a
 * process that held a partition of the parameters died), a run with checkpoints goes back to the
 * newest one that can continue it (or to its own start, kept in memory, if it wrote none yet) and
 * goes on from there. Its listener sees only the
 * steps it runs: the train loss of the epoch it resumes in covers the steps after the resume, and its
 * throughput and ETA count only them.
 *
 * <p>Lifecycle: construct, optionally {@link #checkpointEvery} and {@link #resumeFrom}, then
 * {@link #run} once; the model's weights are updated in place. Runs on the calling thread.
 */
public final class Trainer {
    private final Mlp model;
    private final DataSplit data;
    private final TrainingConfig config;
    private final Optimizer optimizer;
    private final LearningRateSchedule rates;
    private final TrainingListener listener;
    private final ShardExecutor executor;
    private CheckpointStore checkpoints;
    private long checkpointInterval;
    private long firstStep;
    private long lastCheckpointStep = -1;
    private Path lastCheckpoint;

    /** A trainer computing every shard in this process; {@code rates} gives the learning rate of every step. */
    public Trainer(Mlp model, DataSplit data, TrainingConfig config, Optimizer optimizer, LearningRateSchedule rates,
            TrainingListener listener) {
        this(model, data, config, optimizer, rates, listener, new LocalShardExecutor(model, data.train()));
    }

    /** A trainer whose shard gradients come from {@code executor}, e.g. remote workers. */
    public Trainer(Mlp model, DataSplit data, TrainingConfig config, Optimizer optimizer, LearningRateSchedule rates,
            TrainingListener listener, ShardExecutor executor) {
        this.model = model;
        this.data = data.requireFeatures(model.spec().inputs()).requireLabelsBelow(model.spec().outputs(), "the model's output layer");
        this.config = config;
        this.optimizer = optimizer;
        this.rates = rates;
        this.listener = listener;
        this.executor = executor;
    }

    /** The batch order of a run with {@code config} over {@code train}. */
    public static BatchSchedule batches(Dataset train, TrainingConfig config) {
        return config.shuffle() ? BatchSchedule.shuffled(train.size(), config.batchSize(), config.seed())
                : BatchSchedule.inOrder(train.size(), config.batchSize());
    }

    /**
     * Writes a checkpoint to {@code store} after every {@code every} steps (counted from the start of
     * the run, not of a resume), after the last step, and after the last completed step when a step
     * fails. A checkpoint that cannot be written fails the run ({@link UncheckedIOException}).
     * Returns this trainer.
     */
    public Trainer checkpointEvery(CheckpointStore store, long every) {
        if (every < 1) {
            throw new IllegalArgumentException("checkpoint interval : " + every + " (expected: >= 1 steps)");
        }
        this.checkpoints = Objects.requireNonNull(store, "store");
        this.checkpointInterval = every;
        return this;
    }

    /**
     * Continues the run from {@code checkpoint}: copies its weights into the model (in place, so an
     * executor holding the model sees them) and its state into the optimiser, and makes {@link #run}
     * start at step {@code checkpoint.step()}. Everything is checked before anything changes. Returns
     * this trainer.
     *
     * @throws IllegalArgumentException when the checkpoint does not fit this run ({@link Resumption#check})
     */
    public Trainer resumeFrom(Checkpoint checkpoint) {
        long step = new Resumption(model, data.train(), config, optimizer).apply(checkpoint);
        firstStep = step;
        lastCheckpointStep = step;
        return this;
    }

    /** The newest checkpoint file this trainer has written, if any. */
    public Optional<Path> lastCheckpoint() {
        return Optional.ofNullable(lastCheckpoint);
    }

    /**
     * Trains from the first step (or the checkpoint's) to the configured number of steps and returns
     * what was reached. When a step fails, a checkpoint of the last completed step is written (if
     * checkpoints were asked for and that step has none yet), then the exception is rethrown; a
     * failure to write that checkpoint is added to it as suppressed.
     */
    public TrainingResult run() {
        BatchSchedule batches = batches(data.train(), config);
        long total = config.totalSteps(batches.batchesPerEpoch());
        int[] indices = new int[config.batchSize()];
        TrainingStep trainingStep = new TrainingStep(model, optimizer, executor, config.shards());
        long started = System.nanoTime();
        long stepNanos = 0;
        long samplesSeen = 0;
        double epochLoss = 0;
        long epochSamples = 0;
        Evaluation test = null;
        long completed = firstStep;
        long stepsRun = 0;
        Checkpoint start = checkpoints != null && executor.canLoseSteps() ? startingPoint(batches) : null;
        try {
            long step = firstStep;
            while (step < total) {
                try {
                    long stepStart = System.nanoTime();
                    int count = batches.indicesFor(step, indices);
                    double meanLoss = trainingStep.run(step, indices, count, rates.rate(step));
                    completed = step + 1;
                    stepNanos += System.nanoTime() - stepStart;
                    samplesSeen += count;
                    epochLoss += meanLoss * count;
                    epochSamples += count;
                    stepsRun++;

                    double perSecond = samplesSeen / (stepNanos / 1e9);
                    double eta = (total - step - 1) * (stepNanos / 1e9) / stepsRun;
                    listener.onStep(step + 1, total, batches.epochOf(step) + 1, meanLoss, perSecond, eta);
                    boolean endOfEpoch = batches.batchOf(step) == batches.batchesPerEpoch() - 1;
                    if (endOfEpoch || step == total - 1) {
                        executor.loadWeights();
                        test = Evaluation.of(model, data.test());
                        listener.onEpochEnd(batches.epochOf(step) + 1, step + 1, epochLoss / epochSamples, test);
                        if (step < total - 1) {
                            epochLoss = 0;
                            epochSamples = 0;
                        }
                    }
                    if (checkpoints != null && (completed % checkpointInterval == 0 || completed == total)) {
                        writeCheckpoint(completed, batches);
                    }
                    step++;
                } catch (StepsLostException lost) {
                    step = goBack(lost, start);
                    completed = step;
                    epochLoss = 0;
                    epochSamples = 0;
                }
            }
        } catch (RuntimeException e) {
            if (checkpoints != null && completed > lastCheckpointStep) {
                try {
                    writeCheckpoint(completed, batches);
                } catch (RuntimeException | Error suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        if (test == null) {
            executor.loadWeights();
            test = Evaluation.of(model, data.test()); // resumed at the end: no step ran
        }
        double wall = (System.nanoTime() - started) / 1e9;
        TrainingResult result = new TrainingResult(total, (double) total / batches.batchesPerEpoch(),
                epochLoss / epochSamples, test, wall, stepNanos == 0 ? 0 : samplesSeen / (stepNanos / 1e9));
        listener.onFinish(result);
        return result;
    }

    /**
     * A copy of the weights and the optimiser's state the run starts from (step 0's, or the
     * checkpoint's it resumed from): where it goes back to when steps are lost before it wrote a
     * checkpoint of its own.
     */
    private Checkpoint startingPoint(BatchSchedule batches) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            model.namedParameters().forEach((name, p) -> {
                Tensor copy = Tensor.lastingZeros(p.dtype(), p.shape()).named(name);
                copy.copyFrom(p);
                weights.put(name, copy);
            });
        }
        return new Checkpoint(firstStep, firstStep / batches.batchesPerEpoch(), (int) (firstStep % batches.batchesPerEpoch()),
                config.seed(), checkpoints.config().fields(), weights, optimizer.exportState());
    }

    /**
     * The executor lost the steps since the newest checkpoint ({@code lost} says why): goes back to that
     * checkpoint, the newest one in the store that can continue the run, or {@code start} when it is
     * newer (none was written since the run started), and returns its step, the next one to run. A run
     * without checkpoints, or with neither a checkpoint nor a kept start, cannot go back: {@code lost}
     * is rethrown.
     */
    private long goBack(StepsLostException lost, Checkpoint start) {
        if (checkpoints == null) {
            throw lost;
        }
        Resumption resumption = new Resumption(model, data.train(), config, optimizer);
        Optional<CheckpointStore.Found> found;
        try {
            found = checkpoints.latest(resumption::check);
        } catch (IOException | RuntimeException e) {
            IllegalStateException failure = new IllegalStateException("the run lost its steps since its newest checkpoint ("
                    + lost.getMessage() + ") and cannot read that checkpoint from " + checkpoints.directory() + ": " + e.getMessage(), e);
            failure.addSuppressed(lost);
            throw failure;
        }
        boolean stored = found.isPresent() && (start == null || found.get().checkpoint().step() >= start.step());
        if (!stored && start == null) {
            throw lost;
        }
        Checkpoint target = stored ? found.get().checkpoint() : start;
        resumption.apply(target);
        lastCheckpointStep = target.step();
        listener.onWentBack(target.step(), stored ? found.get().file().toString() : firstStep == 0 ? "the run's start"
                : "the checkpoint the run resumed from", lost.getMessage());
        return target.step();
    }

    private void writeCheckpoint(long step, BatchSchedule batches) {
        long start = System.nanoTime();
        try {
            executor.loadCheckpointState(optimizer);
            lastCheckpoint = checkpoints.save(step, step / batches.batchesPerEpoch(), (int) (step % batches.batchesPerEpoch()),
                    model.namedParameters(), optimizer.exportState());
            lastCheckpointStep = step;
            listener.onCheckpoint(step, lastCheckpoint, Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint after step " + step + " to "
                    + checkpoints.directory() + ": " + e.getMessage(), e);
        }
    }
}
