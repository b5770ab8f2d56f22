package dev.chainrule.train;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress for a terminal: a live bar redrawn in place (epoch, step, loss, samples/s, ETA) at most
 * ten times a second, and a summary line per epoch.
 */
public final class TerminalProgress implements TrainingListener {
    private static final int BAR_WIDTH = 30;
    private final PrintWriter out;
    private long lastDrawNanos;
    private boolean drawn;

    /** Progress drawn on {@code out}. */
    public TerminalProgress(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
        long now = System.nanoTime();
        if (drawn && step != totalSteps && now - lastDrawNanos < 100_000_000L) {
            return;
        }
        drawn = true;
        lastDrawNanos = now;
        int filled = (int) (BAR_WIDTH * step / Math.max(1, totalSteps));
        String bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
        out.printf(Locale.ROOT, "\r[%s] epoch %d  step %d/%d  loss %.4f  %,.0f samples/s  ETA %s ",
                bar, epoch, step, totalSteps, loss, samplesPerSecond, PlainProgress.duration(etaSeconds));
        out.flush();
    }

    @Override
    public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        out.print("\r\033[K");
        out.println(PlainProgress.epochLine(epoch, step, trainLoss, test));
        out.flush();
    }

    @Override
    public void onWentBack(long step, String source, String why) {
        out.print("\r\033[K");
        out.println(PlainProgress.wentBackLine(step, source));
        out.flush();
    }

    @Override
    public void onFinish(TrainingResult result) {
        out.print("\r\033[K");
        out.flush();
    }
}
