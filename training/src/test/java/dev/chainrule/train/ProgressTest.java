package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text PlainProgress and TerminalProgress write. */
class ProgressTest {
    private static final String CLEAR = "\r\033[K";
    private static final Evaluation TEST = new Evaluation(0.5, 0.9512, 100, new int[][] {{1}});

    @Test
    void plainProgressPrintsOneLinePerEpochAndNothingPerStep() {
        StringWriter text = new StringWriter();
        PlainProgress progress = new PlainProgress(new PrintWriter(text));
        for (int step = 1; step <= 3; step++) {
            progress.onStep(step, 6, 1, 1.0, 100, 3);
        }
        progress.onEpochEnd(1, 3, 0.123456, TEST);
        for (int step = 4; step <= 6; step++) {
            progress.onStep(step, 6, 2, 1.0, 100, 0);
        }
        progress.onEpochEnd(2, 6, 0.0456, new Evaluation(0.25, 1.0, 100, new int[][] {{1}}));
        progress.onFinish(new TrainingResult(6, 2, 0.0456, TEST, 1, 600));
        assertEquals(List.of(
                "epoch 1  step 3  train loss 0.1235  test loss 0.5000  test accuracy 95.12%",
                "epoch 2  step 6  train loss 0.0456  test loss 0.2500  test accuracy 100.00%"), text.toString().lines().toList());
        assertTrue(text.toString().endsWith(System.lineSeparator()));
        assertFalse(text.toString().contains("\r"));
    }

    @Test
    void durationsAreMinutesSecondsOrHours() {
        assertEquals("0:00", PlainProgress.duration(0));
        assertEquals("0:59", PlainProgress.duration(59.4));
        assertEquals("1:05", PlainProgress.duration(65));
        assertEquals("59:59", PlainProgress.duration(3599));
        assertEquals("1:00:00", PlainProgress.duration(3600));
        assertEquals("26:03:07", PlainProgress.duration(26 * 3600 + 3 * 60 + 7));
        assertEquals("?", PlainProgress.duration(Double.NaN));
        assertEquals("?", PlainProgress.duration(Double.POSITIVE_INFINITY));
    }

    @Test
    void terminalBarShowsStepOfTotalAndRedrawsInPlace() {
        StringWriter text = new StringWriter();
        TerminalProgress progress = new TerminalProgress(new PrintWriter(text));
        progress.onStep(1, 10, 1, 0.5, 1234.4, 65);
        String first = text.toString();
        assertEquals("\r[###" + "-".repeat(27) + "] epoch 1  step 1/10  loss 0.5000  1,234 samples/s  ETA 1:05 ", first);
        // the last step is always drawn
        progress.onStep(10, 10, 2, 0.25, 2000, 0);
        String last = text.toString().substring(first.length());
        assertEquals("\r[" + "#".repeat(30) + "] epoch 2  step 10/10  loss 0.2500  2,000 samples/s  ETA 0:00 ", last);
        assertFalse(text.toString().contains("\n"), "the bar is redrawn in place, not on new lines");
    }

    @Test
    void terminalEpochLinesAndTheEndClearTheBar() {
        StringWriter text = new StringWriter();
        TerminalProgress progress = new TerminalProgress(new PrintWriter(text));
        progress.onStep(3, 6, 1, 0.7, 50, 1);
        progress.onEpochEnd(1, 3, 0.123456, TEST);
        progress.onStep(6, 6, 2, 0.6, 50, 0);
        progress.onEpochEnd(2, 6, 0.0456, TEST);
        progress.onFinish(new TrainingResult(6, 2, 0.0456, TEST, 1, 600));
        String out = text.toString();
        // split on line separators only (String.lines() would also split at the carriage returns)
        List<String> lines = List.of(out.split(System.lineSeparator(), -1));
        assertEquals(3, lines.size(), out);
        // what a terminal shows of each finished line: the text after the last carriage return and clear
        assertEquals("epoch 1  step 3  train loss 0.1235  test loss 0.5000  test accuracy 95.12%", visible(lines.get(0)));
        assertEquals("epoch 2  step 6  train loss 0.0456  test loss 0.5000  test accuracy 95.12%", visible(lines.get(1)));
        assertTrue(lines.get(0).contains("step 3/6"), "the bar was drawn before the line: " + lines.get(0));
        assertTrue(lines.get(0).endsWith(CLEAR + "epoch 1  step 3  train loss 0.1235  test loss 0.5000  test accuracy 95.12%"), lines.get(0));
        assertTrue(lines.get(1).endsWith(CLEAR + "epoch 2  step 6  train loss 0.0456  test loss 0.5000  test accuracy 95.12%"), lines.get(1));
        // the end leaves an empty, cleared line: no half-drawn bar for the next output to land on
        assertTrue(out.endsWith(System.lineSeparator() + CLEAR), out);
        assertEquals(CLEAR, lines.get(2));
    }

    @Test
    void terminalFinishAfterAStepClearsTheBar() {
        StringWriter text = new StringWriter();
        TerminalProgress progress = new TerminalProgress(new PrintWriter(text));
        progress.onStep(2, 2, 1, 0.7, 50, 0);
        progress.onFinish(new TrainingResult(2, 1, 0.7, TEST, 1, 100));
        assertTrue(text.toString().endsWith(CLEAR), text.toString());
        assertEquals("", visible(text.toString()));
    }

    private static String visible(String line) {
        String afterReturn = line.substring(line.lastIndexOf('\r') + 1);
        return afterReturn.startsWith("\033[K") ? afterReturn.substring(3) : afterReturn;
    }
}
