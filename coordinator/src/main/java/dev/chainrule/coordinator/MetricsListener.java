package dev.chainrule.coordinator;

import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Feeds a trainer's progress into {@link CoordinatorMetrics}: every step is counted and timed (from
 * {@link RemoteShardExecutor}'s start of the step, or in a local run from the previous step's end,
 * leaving out an epoch's evaluation and a checkpoint between them)
 * and sets the loss; every epoch sets the test accuracy; every checkpoint is timed; every return to
 * a checkpoint after lost steps is counted. Give it to the
 * {@link dev.chainrule.train.Trainer} next to the progress listener; called on the training thread.
 */
public final class MetricsListener implements TrainingListener {
    private final CoordinatorMetrics metrics;

    public MetricsListener(CoordinatorMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    @Override
    public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
        metrics.stepFinished(loss);
    }

    @Override
    public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        metrics.testAccuracy(test.accuracy());
        metrics.betweenStepsDone();
    }

    @Override
    public void onCheckpoint(long step, Path file, Duration took) {
        metrics.checkpoint(took);
        metrics.betweenStepsDone();
    }

    @Override
    public void onWentBack(long step, String source, String why) {
        metrics.wentBack();
        metrics.betweenStepsDone();
    }

    @Override
    public void onFinish(TrainingResult result) {
    }
}
