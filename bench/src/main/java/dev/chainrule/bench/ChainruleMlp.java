package dev.chainrule.bench;

import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.LocalShardExecutor;
import dev.chainrule.train.TrainingStep;

/**
 * A 784-256-128-10 ReLU MLP trained with SGD through {@link TrainingStep} with a
 * {@link LocalShardExecutor} and one shard: the code path of {@code ./chainrule train}. Batches are
 * taken in order, cyclically, from the train set. Not thread-safe.
 */
final class ChainruleMlp {
    /** The model both sides train. */
    static final String SPEC = "784-256-128-10";

    private final TrainingStep trainingStep;
    private final int[] batch;
    private final int samples;
    private final double learningRate;
    private long step;
    private int cursor;
    private double lastLoss;

    /** A freshly initialised model (seeded by {@code seed}) stepping over batches of {@code batchSize} samples of {@code train}. */
    ChainruleMlp(Dataset train, int batchSize, double learningRate, long seed) {
        if (batchSize < 1 || batchSize > train.size()) {
            throw new IllegalArgumentException("batch: " + batchSize + " (expected: 1.." + train.size() + ", the train set's size)");
        }
        Mlp model = Mlp.initialized(ModelSpec.parse(SPEC), Activation.parse("relu"), seed);
        this.trainingStep = new TrainingStep(model, Optimizers.create("sgd", OptimizerSettings.defaults()),
                new LocalShardExecutor(model, train), 1);
        this.batch = new int[batchSize];
        this.samples = train.size();
        this.learningRate = learningRate;
    }

    /** One forward + backward + update step on the next batch. */
    void step() {
        for (int i = 0; i < batch.length; i++) {
            batch[i] = cursor;
            cursor = cursor + 1 == samples ? 0 : cursor + 1;
        }
        lastLoss = trainingStep.run(step++, batch, batch.length, learningRate);
    }

    /** Throws when the last step's loss is not finite, so that a broken kernel cannot look fast. */
    void checkLoss() {
        if (!Double.isFinite(lastLoss)) {
            throw new IllegalStateException("step " + step + ": non-finite training loss " + lastLoss);
        }
    }
}
