package dev.chainrule.cli;

import static dev.chainrule.cli.TrainCommandTest.assertInputError;
import static dev.chainrule.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.cli.TrainCommandTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --report DIR} on {@code train} (in this process and on worker processes) and {@code eval}:
 * the page and its plots, the bytes of the run unchanged, and the path checked before training.
 * (How a browser shows the page: {@code report.ReportRenderTest}.)
 */
class ReportCommandTest {
    @TempDir
    Path dir;
    Path train;
    Path test;

    @BeforeEach
    void writeData() throws IOException {
        train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 300, 4, 3, 1);
        test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 100, 4, 3, 2);
    }

    private String[] args(String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command, "--train", train.toString(), "--test", test.toString()));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    @Test
    void trainWritesAPageWithItsPlotsAndTheSameWeightsAsWithoutIt() throws IOException {
        Path report = dir.resolve("report");
        Path with = dir.resolve("with.safetensors");
        Path without = dir.resolve("without.safetensors");
        Run run = run(args("train", "--model", "4-8-3", "--epochs", "3", "--batch", "32", "--save", with.toString(),
                "--report", report.toString()));
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("wrote the report " + report.resolve("index.html")), run.out());
        assertEquals(0, run(args("train", "--model", "4-8-3", "--epochs", "3", "--batch", "32", "--save", without.toString()))
                .exitCode());
        assertArrayEquals(Files.readAllBytes(without), Files.readAllBytes(with), "--report does not change the weights' bytes");

        String html = Files.readString(report.resolve("index.html"));
        assertEquals(4, svgs(html), "loss, accuracy, throughput, confusion matrix");
        for (String expected : List.of("Loss per epoch", "Test accuracy per epoch", "Throughput over the run",
                "Confusion matrix of the test set", "computed every step in one process", "30 steps (3.00 epochs)")) {
            assertTrue(html.contains(expected), expected);
        }
        assertFalse(html.toLowerCase().contains("<script"), "no script");
    }

    @Test
    void evalWritesAPageWithTheConfusionMatrix() throws IOException {
        Path weights = dir.resolve("w.safetensors");
        assertEquals(0, run(args("train", "--model", "4-8-3", "--epochs", "1", "--save", weights.toString())).exitCode());
        Path report = dir.resolve("eval-report");
        Run run = run(new String[] {"eval", "--weights", weights.toString(), "--test", test.toString(), "--report", report.toString()});
        assertEquals(0, run.exitCode(), run.err());
        String html = Files.readString(report.resolve("index.html"));
        assertEquals(1, svgs(html), "the confusion matrix");
        assertTrue(html.contains("Confusion matrix of the test set") && html.contains("test accuracy"), html);
    }

    @Test
    void aReportPathThatIsAFileIsAnInputErrorBeforeTraining() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        assertInputError(args("train", "--model", "4-8-3", "--report", file.toString()), file.toString(), "not a directory");
    }

    @Test
    void trainOnWorkerProcessesReportsEachWorkersComputeAgainstCommunication() throws IOException {
        Path report = dir.resolve("report");
        // long enough (a few seconds) for each worker's heartbeat, one a second, to report its times
        Run run = run(args("train", "--workers", "2", "--worker-wait", "120s", "--step-timeout", "30s", "--model", "4-64-64-3",
                "--batch", "8", "--epochs", "20", "--report", report.toString()));
        assertEquals(0, run.exitCode(), run.out() + run.err());
        String html = Files.readString(report.resolve("index.html"));
        assertEquals(5, svgs(html), "loss, accuracy, throughput, workers, confusion matrix");
        for (String expected : List.of("compute against communication", "worker-1", "worker-2", "compute (forward + backward)")) {
            assertTrue(html.contains(expected), expected);
        }
    }

    private static long svgs(String html) {
        return Pattern.compile("<svg ").matcher(html).results().count();
    }
}
