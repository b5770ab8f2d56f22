package dev.chainrule.bench;

import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.LocalShardExecutor;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingStep;

/**
 * A 784-256-128-10 ReLU MLP trained with SGD through {@link TrainingStep} with a
 * {@link LocalShardExecutor}, each batch in {@link #SHARDS} shards (train's default) computed on up to
 * the given number of threads at once: the code path of {@code ./chainrule train}. Batches are taken
 * in order, cyclically, from the train set. Not thread-safe; its threads live as long as the JVM.
 */
final class ChainruleMlp {
    /** The model both sides train. */
    static final String SPEC = "784-256-128-10";
    /** The shards of every batch: {@code chainrule train}'s default. */
    static final int SHARDS = TrainingConfig.DEFAULT_SHARDS;

    private final TrainingStep trainingStep;
    private final int[] batch;
    private final int samples;
    private final double learningRate;
    private long step;
    private int cursor;
    private double lastLoss;

    /**
     * A freshly initialised model (seeded by {@code seed}) stepping over batches of {@code batchSize}
     * samples of {@code train}, up to {@code threads} shards at once.
     */
    ChainruleMlp(Dataset train, int batchSize, double learningRate, long seed, int threads) {
        if (batchSize < 1 || batchSize > train.size()) {
            throw new IllegalArgumentException("batch: " + batchSize + " (expected: 1.." + train.size() + ", the train set's size)");
        }
        Mlp model = Mlp.initialized(ModelSpec.parse(SPEC), Activation.parse("relu"), seed);
        this.trainingStep = new TrainingStep(model, Optimizers.create("sgd", OptimizerSettings.defaults()),
                new LocalShardExecutor(model, train, threads), SHARDS);
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
