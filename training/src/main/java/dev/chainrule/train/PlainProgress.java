package dev.chainrule.train;

import java.io.PrintWriter;
import java.util.Locale;

/** Progress for logs and pipes: one plain line per epoch, and one when the run goes back to a checkpoint; nothing per step. */
public final class PlainProgress implements TrainingListener {
    private final PrintWriter out;

    /** Progress written to {@code out}. */
    public PlainProgress(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
        // one line per epoch only
    }

    @Override
    public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        out.println(epochLine(epoch, step, trainLoss, test));
        out.flush();
    }

    @Override
    public void onWentBack(long step, String source, String why) {
        out.println(wentBackLine(step, source));
        out.flush();
    }

    @Override
    public void onFinish(TrainingResult result) {
        out.flush();
    }

    static String wentBackLine(long step, String source) {
        return "went back to step " + step + " (" + source + ") and goes on from there";
    }

    static String epochLine(long epoch, long step, double trainLoss, Evaluation test) {
        return String.format(Locale.ROOT, "epoch %d  step %d  train loss %.4f  test loss %.4f  test accuracy %.2f%%",
                epoch, step, trainLoss, test.loss(), 100 * test.accuracy());
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
