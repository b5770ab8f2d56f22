package dev.chainrule.train;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.BatchSchedule;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.LearningRateSchedule;
import dev.chainrule.optim.Optimizer;
import java.util.Arrays;
import java.util.List;

/**
 * Trains a model. Each optimiser step takes its batch from the {@link BatchSchedule}, cuts it into
 * shards ({@link ShardPlan}), has the {@link ShardExecutor} compute each shard's gradient of the
 * summed loss ({@link ShardGradient}) — here or on remote workers — adds them in shard order and
 * divides by the batch size ({@link GradientSum}), then lets the optimiser update the weights with
 * the step's learning rate. The same loop drives local and distributed runs, so both give the same
 * bits for the same number of shards.
 * At the end of every epoch, and of training, the test split is evaluated.
 *
 * <p>Lifecycle: construct, then {@link #run} once; the model's weights are updated in place. Runs on
 * the calling thread.
 */
public final class Trainer {
    private final Mlp model;
    private final DataSplit data;
    private final TrainingConfig config;
    private final Optimizer optimizer;
    private final LearningRateSchedule rates;
    private final TrainingListener listener;
    private final ShardExecutor executor;

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

    /** Trains for the configured number of steps and returns what was reached. */
    public TrainingResult run() {
        BatchSchedule batches = batches(data.train(), config);
        long total = config.totalSteps(batches.batchesPerEpoch());
        int[] indices = new int[config.batchSize()];
        GradientSum sum = new GradientSum(model.parameters());
        long started = System.nanoTime();
        long stepNanos = 0;
        long samplesSeen = 0;
        double epochLoss = 0;
        long epochSamples = 0;
        Evaluation test = null;
        for (long step = 0; step < total; step++) {
            long stepStart = System.nanoTime();
            int count = batches.indicesFor(step, indices);
            sum.reset();
            for (ShardGradient shard : executor.compute(step, Arrays.copyOf(indices, count), new ShardPlan(count, config.shards()))) {
                sum.add(shard);
            }
            if (sum.samples() != count) {
                throw new IllegalStateException("step " + step + ": shard gradients cover " + sum.samples()
                        + " samples (expected: " + count + ")");
            }
            List<Tensor> gradients = sum.mean();
            optimizer.step(model.parameters(), gradients, rates.rate(step));
            stepNanos += System.nanoTime() - stepStart;
            samplesSeen += count;
            epochLoss += sum.meanLoss() * count;
            epochSamples += count;

            double perSecond = samplesSeen / (stepNanos / 1e9);
            double eta = (total - step - 1) * (stepNanos / 1e9) / (step + 1);
            listener.onStep(step + 1, total, batches.epochOf(step) + 1, sum.meanLoss(), perSecond, eta);
            boolean endOfEpoch = batches.batchOf(step) == batches.batchesPerEpoch() - 1;
            if (endOfEpoch || step == total - 1) {
                test = Evaluation.of(model, data.test());
                listener.onEpochEnd(batches.epochOf(step) + 1, step + 1, epochLoss / epochSamples, test);
                if (step < total - 1) {
                    epochLoss = 0;
                    epochSamples = 0;
                }
            }
        }
        double wall = (System.nanoTime() - started) / 1e9;
        TrainingResult result = new TrainingResult(total, (double) total / batches.batchesPerEpoch(),
                epochLoss / epochSamples, test, wall, samplesSeen / (stepNanos / 1e9));
        listener.onFinish(result);
        return result;
    }
}
