package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.data.DataSplit;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import org.junit.jupiter.api.Test;

/** End to end: the trainer learns three Gaussian blobs in 4-D that a small MLP can separate. */
class TrainerConvergenceTest {

    @Test
    void learnsThreeBlobsToAtLeast95PercentTestAccuracy() {
        // centres 3 apart along different axes, σ = 0.75: the Bayes error is well under 1%
        DataSplit data = SyntheticData.blobSplit(300, 150, 0.75);
        Mlp model = Mlp.initialized(ModelSpec.of(4, 16, 3), Activation.RELU, 42);
        double before = Evaluation.of(model, data.test()).loss();
        TrainingConfig config = new TrainingConfig(16, 30, 0, true, 42, 1);
        long total = config.totalSteps(Trainer.batches(data.train(), config).batchesPerEpoch());
        TrainingResult result = new Trainer(model, data, config, Optimizers.create("adam", OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.01, total), new PlainProgress(new java.io.PrintWriter(java.io.Writer.nullWriter()))).run();
        assertTrue(result.test().accuracy() >= 0.95, "test accuracy " + result.test().accuracy());
        assertTrue(result.test().loss() < 0.2 && result.test().loss() < before / 4,
                "test loss " + result.test().loss() + " (initially " + before + ")");
        assertTrue(result.trainLoss() < 0.2, "train loss " + result.trainLoss());
    }

    @Test
    void sgdWithMomentumLearnsThemToo() {
        DataSplit data = SyntheticData.blobSplit(300, 150, 0.75);
        Mlp model = Mlp.initialized(ModelSpec.of(4, 16, 3), Activation.TANH, 7);
        TrainingConfig config = new TrainingConfig(16, 30, 0, true, 7, 2);
        long total = config.totalSteps(Trainer.batches(data.train(), config).batchesPerEpoch());
        TrainingResult result = new Trainer(model, data, config, Optimizers.create("momentum", OptimizerSettings.defaults()),
                LearningRateSchedules.create("constant", 0.05, total), new PlainProgress(new java.io.PrintWriter(java.io.Writer.nullWriter()))).run();
        assertTrue(result.test().accuracy() >= 0.95, "test accuracy " + result.test().accuracy());
    }
}
