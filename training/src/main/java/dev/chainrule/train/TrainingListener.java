package dev.chainrule.train;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Receives a trainer's progress. Call order: {@link #onStep} after every optimiser step,
 * {@link #onEpochEnd} after the last step of each epoch (with the test split's figures),
 * {@link #onCheckpoint} after each checkpoint written, {@link #onWentBack} when the run went back to
 * a checkpoint, then {@link #onFinish} once. Called on the training thread.
 */
public interface TrainingListener {

    /** After optimiser step {@code step} (counting from 1) of {@code totalSteps}, in epoch {@code epoch} (from 1). */
    void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds);

    /** After the last step of an epoch: the epoch's mean training loss and the test split's loss and accuracy. */
    void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test);

    /** After writing the checkpoint {@code file} after step {@code step}, which took {@code took}; ignored by default. */
    default void onCheckpoint(long step, Path file, Duration took) {
    }

    /**
     * The steps after step {@code step} were lost ({@code why}) and the run went back to the checkpoint
     * after step {@code step}, read from {@code source} (a checkpoint file, or the run's start); the next
     * {@link #onStep} is step + 1 again. Ignored by default.
     */
    default void onWentBack(long step, String source, String why) {
    }

    /** Once, when training stops. */
    void onFinish(TrainingResult result);
}
