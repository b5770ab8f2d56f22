package dev.chainrule.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.coordinator.WorkerTimes;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.TrainingResult;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report page as a browser shows it: headless Chromium renders it to PNG, and every plot is there. */
class ReportRenderTest {
    /** The shade of the first row's diagonal cell: 97 of its 100 samples. */
    private static final Color DIAGONAL = ConfusionHeatmap.shade(0.97);

    @TempDir
    Path dir;
    private long now;

    @Test
    void chromiumShowsEveryPlotOfATrainingRunsReport() throws Exception {
        Path page = RunReport.training("training 4-8-3 relu on a test set", history(), List.of(
                new WorkerTimes.Entry("worker-1", Duration.ofMillis(2500), Duration.ofMillis(7500)),
                new WorkerTimes.Entry("worker-2", Duration.ofMillis(2400), Duration.ofMillis(7600)))).write(dir.resolve("report"));
        String html = Files.readString(page);
        assertFalse(html.toLowerCase().contains("<script"), "the page runs no script");
        assertFalse(Pattern.compile("(src|href)=\"(https?:)?//").matcher(html).find(), "the page loads nothing from a network");
        assertEquals(5, Pattern.compile("<svg ").matcher(html).results().count(), "loss, accuracy, throughput, workers, confusion");
        for (String title : List.of("Loss per epoch", "Test accuracy per epoch", "Throughput over the run",
                "Each worker&apos;s compute against communication", "Confusion matrix of the test set", "worker-1", "worker-2")) {
            assertTrue(html.contains(title) || html.contains(title.replace("&apos;", "'")), title);
        }

        BufferedImage png = HeadlessChromium.screenshot(page, dir.resolve("report.png"), 1400, 2000);
        // each plot's own colours, drawn by the browser from the SVG: lines, bars and the heatmap's cells
        assertTrue(pixels(png, ReportCharts.BLUE) > 300, "train loss, throughput and compute bars (blue)");
        assertTrue(pixels(png, ReportCharts.ORANGE) > 300, "test loss and communication bars (orange)");
        assertTrue(pixels(png, ReportCharts.GREEN) > 100, "test accuracy (green)");
        assertTrue(pixels(png, DIAGONAL) > 2000, "the confusion matrix's first diagonal cell, 97 % (dark blue)");
    }

    @Test
    void chromiumShowsTheConfusionMatrixOfAnEvaluationsReport() throws Exception {
        Path page = RunReport.evaluation("4-8-3 relu from w.safetensors", evaluation()).write(dir.resolve("eval"));
        BufferedImage png = HeadlessChromium.screenshot(page, dir.resolve("eval.png"), 1000, 1000);
        assertTrue(pixels(png, DIAGONAL) > 2000, "the confusion matrix's first diagonal cell (dark blue)");
    }

    /** A three-epoch history of 30 steps whose loss falls and whose throughput rises. */
    private RunHistory history() {
        RunHistory history = new RunHistory(32, 10, 300, 30, () -> now);
        for (long step = 1; step <= 30; step++) {
            now += 1_000_000 + 1_000_000_000L / (10 + step);
            history.onStep(step, 30, (step - 1) / 10 + 1, 1.0 / step, 0, 0);
            if (step % 10 == 0) {
                long epoch = step / 10;
                Evaluation test = new Evaluation(1.0 / (epoch + 1), 0.6 + 0.1 * epoch, 300, evaluation().confusion());
                history.onEpochEnd(epoch, step, 1.2 / epoch, test);
            }
        }
        history.onFinish(new TrainingResult(30, 3, 0.4, evaluation(), 2.0, 4800));
        return history;
    }

    private static Evaluation evaluation() {
        return new Evaluation(0.25, 0.9, 300, new int[][] {{97, 2, 1}, {5, 90, 5}, {10, 7, 83}});
    }

    /** How many pixels of {@code image} are within a few levels of {@code colour}. */
    private static long pixels(BufferedImage image, Color colour) {
        long count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                if (Math.abs((rgb >> 16 & 0xff) - colour.getRed()) <= 6 && Math.abs((rgb >> 8 & 0xff) - colour.getGreen()) <= 6
                        && Math.abs((rgb & 0xff) - colour.getBlue()) <= 6) {
                    count++;
                }
            }
        }
        return count;
    }
}
