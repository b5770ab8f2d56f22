package dev.chainrule.cli.report;

import dev.chainrule.coordinator.WorkerTimes;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.TrainingResult;
import java.util.List;
import java.util.Locale;

/** The report pages of {@code train} and {@code coordinator} (a training run) and of {@code eval}. */
public final class RunReport {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 380;
    private static final int HEATMAP = 600;

    private RunReport() {
    }

    /**
     * The page of a finished training run described by {@code description} (its header line): its
     * figures, the curves of {@code history}, each worker's compute against communication (a note
     * instead when {@code workers} is empty: a run in one process) and the test set's confusion matrix.
     */
    public static ReportPage training(String description, RunHistory history, List<WorkerTimes.Entry> workers) {
        TrainingResult result = history.result();
        ReportPage page = new ReportPage("Chainrule training run")
                .fact("run", description)
                .fact("steps", String.format(Locale.ROOT, "%d (%.2f epochs)", result.steps(), result.epochs()))
                .fact("time", String.format(Locale.ROOT, "%.1f s, %,.0f samples/s over the steps", result.wallSeconds(),
                        result.samplesPerSecond()))
                .fact("final train loss", String.format(Locale.ROOT, "%.4f (mean of the last epoch)", result.trainLoss()));
        testFacts(page, result.test());
        List<RunHistory.Epoch> epochs = history.epochs();
        page.chart(ReportCharts.loss(epochs), WIDTH, HEIGHT, "The mean training loss of each epoch's steps, and the test split's"
                + " loss after the epoch.");
        page.chart(ReportCharts.accuracy(epochs), WIDTH, HEIGHT, "The test split's accuracy after each epoch.");
        page.chart(ReportCharts.throughput(history.throughput()), WIDTH, HEIGHT, "Training samples per second over stretches of"
                + " about a hundredth of the run (each epoch's test evaluation left out).");
        if (workers.isEmpty()) {
            page.note("Each worker's compute against communication", "This run computed every step in one process: no worker,"
                    + " no communication.");
        } else {
            page.chart(ReportCharts.workerTimes(workers), WIDTH, Math.max(HEIGHT / 2, 90 + 50 * workers.size()),
                    "Each worker's time since it joined, as its last heartbeat (one a second) reported it: compute is forward"
                            + " and backward; communication is the rest — waiting for and receiving weights and assignments,"
                            + " and sending gradients.");
        }
        return confusion(page, result.test());
    }

    /** The page of {@code chainrule eval}: {@code description} (model and data), the test figures and the confusion matrix. */
    public static ReportPage evaluation(String description, Evaluation test) {
        ReportPage page = new ReportPage("Chainrule evaluation").fact("model and data", description);
        testFacts(page, test);
        return confusion(page, test);
    }

    private static void testFacts(ReportPage page, Evaluation test) {
        page.fact("test loss", String.format(Locale.ROOT, "%.4f", test.loss()))
                .fact("test accuracy", String.format(Locale.ROOT, "%.2f%% of %d samples", 100 * test.accuracy(), test.samples()));
    }

    private static ReportPage confusion(ReportPage page, Evaluation test) {
        return page.chart(ConfusionHeatmap.of(test.confusion()), HEATMAP + 80, HEATMAP, "Rows are true labels, columns predicted"
                + " labels; each cell shows its count, its colour the share of the row (the diagonal: each label's recall).");
    }
}
