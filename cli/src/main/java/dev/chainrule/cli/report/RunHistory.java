package dev.chainrule.cli.report;

import dev.chainrule.train.Evaluation;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A trainer's history as the report plots it: each epoch's train loss, test loss and test accuracy,
 * the samples per second of each stretch of about a hundredth of the run, and the final evaluation.
 * A stretch ends at least every {@code stepsPerPoint} steps and at every epoch's end, and the test
 * evaluation between two stretches is not counted in either. Called on the training thread, like
 * every {@link TrainingListener}; read it after {@link #onFinish}.
 */
public final class RunHistory implements TrainingListener {

    /** The figures after epoch {@code epoch} (from 1), whose last step is {@code step}. */
    public record Epoch(long epoch, long step, double trainLoss, double testLoss, double testAccuracy) {
    }

    /** {@code samplesPerSecond} over the stretch that ended {@code seconds} after the first step started. */
    public record Throughput(double seconds, double samplesPerSecond) {
    }

    private final int batchSize;
    private final int batchesPerEpoch;
    private final int trainSamples;
    private final long stepsPerPoint;
    private final LongSupplier nanoTime;
    private final List<Epoch> epochs = new ArrayList<>();
    private final List<Throughput> throughput = new ArrayList<>();
    private final long origin;
    private long stretchStart;
    private long stretchSamples;
    private long stretchSteps;
    private TrainingResult result;

    /**
     * A history of a run of {@code totalSteps} steps of {@code batchSize} samples over
     * {@code trainSamples} samples ({@code batchesPerEpoch} batches an epoch, the last one smaller),
     * timed by {@code nanoTime}; the first stretch starts now.
     */
    public RunHistory(int batchSize, int batchesPerEpoch, int trainSamples, long totalSteps, LongSupplier nanoTime) {
        this.batchSize = batchSize;
        this.batchesPerEpoch = batchesPerEpoch;
        this.trainSamples = trainSamples;
        this.stepsPerPoint = Math.max(1, totalSteps / 100);
        this.nanoTime = nanoTime;
        this.origin = nanoTime.getAsLong();
        this.stretchStart = origin;
    }

    /** A history timed by {@link System#nanoTime}. */
    public RunHistory(int batchSize, int batchesPerEpoch, int trainSamples, long totalSteps) {
        this(batchSize, batchesPerEpoch, trainSamples, totalSteps, System::nanoTime);
    }

    @Override
    public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
        boolean lastOfEpoch = step % batchesPerEpoch == 0;
        stretchSamples += lastOfEpoch ? trainSamples - (long) (batchesPerEpoch - 1) * batchSize : batchSize;
        stretchSteps++;
        if (stretchSteps >= stepsPerPoint || lastOfEpoch || step == totalSteps) {
            endStretch();
        }
    }

    @Override
    public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        epochs.add(new Epoch(epoch, step, trainLoss, test.loss(), test.accuracy()));
        stretchStart = nanoTime.getAsLong(); // the evaluation is no training
    }

    @Override
    public void onFinish(TrainingResult result) {
        this.result = result;
    }

    private void endStretch() {
        long now = nanoTime.getAsLong();
        if (now > stretchStart) {
            throughput.add(new Throughput((now - origin) / 1e9, stretchSamples / ((now - stretchStart) / 1e9)));
        }
        stretchStart = now;
        stretchSamples = 0;
        stretchSteps = 0;
    }

    /** Each finished epoch's figures, in order. */
    public List<Epoch> epochs() {
        return List.copyOf(epochs);
    }

    /** Samples per second of each stretch, in order. */
    public List<Throughput> throughput() {
        return List.copyOf(throughput);
    }

    /** What the run reached, or null before it finished. */
    public TrainingResult result() {
        return result;
    }
}
