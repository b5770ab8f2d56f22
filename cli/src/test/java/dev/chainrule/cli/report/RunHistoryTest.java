package dev.chainrule.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.chainrule.train.Evaluation;
import dev.chainrule.train.TrainingResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the report's listener keeps, timed by a hand-moved clock. */
class RunHistoryTest {
    private long now;

    @Test
    void keepsEachEpochsFiguresAndTheSamplesPerSecondOfEachStretchWithoutTheEvaluation() {
        // 250 samples in batches of 100: 3 batches an epoch, the last of 50; 6 steps, a point at least every step
        RunHistory history = new RunHistory(100, 3, 250, 6, () -> now);
        Evaluation test = new Evaluation(0.5, 0.75, 10, new int[][] {{5, 0}, {0, 5}});
        for (long step = 1; step <= 6; step++) {
            now += 100_000_000; // each step takes 0.1 s
            history.onStep(step, 6, (step - 1) / 3 + 1, 1.0 / step, 0, 0);
            if (step % 3 == 0) {
                now += 5_000_000_000L; // a slow evaluation: not training time
                history.onEpochEnd(step / 3, step, 2.0 / step, test);
            }
        }
        TrainingResult result = new TrainingResult(6, 2, 0.3, test, 10.6, 1000);
        history.onFinish(result);

        assertEquals(List.of(new RunHistory.Epoch(1, 3, 2.0 / 3, 0.5, 0.75), new RunHistory.Epoch(2, 6, 2.0 / 6, 0.5, 0.75)),
                history.epochs());
        List<RunHistory.Throughput> points = history.throughput();
        assertEquals(6, points.size());
        double[] expectedRates = {1000, 1000, 500, 1000, 1000, 500}; // the last batch of each epoch has 50 samples
        double[] expectedSeconds = {0.1, 0.2, 0.3, 5.4, 5.5, 5.6};
        for (int i = 0; i < 6; i++) {
            assertEquals(expectedRates[i], points.get(i).samplesPerSecond(), 1e-6, "rate of stretch " + i);
            assertEquals(expectedSeconds[i], points.get(i).seconds(), 1e-9, "end of stretch " + i);
        }
        assertSame(result, history.result());
    }

    @Test
    void aLongRunGetsAboutAHundredPoints() {
        RunHistory history = new RunHistory(10, 1000, 10_000, 1000, () -> now);
        for (long step = 1; step <= 1000; step++) {
            now += 1_000_000;
            history.onStep(step, 1000, 1, 1, 0, 0);
        }
        assertEquals(100, history.throughput().size());
        assertEquals(10 * 10 / 0.01, history.throughput().get(0).samplesPerSecond(), 1e-6);
    }
}
