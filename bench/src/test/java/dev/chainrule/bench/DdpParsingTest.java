package dev.chainrule.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The parsers of bench/compare-ddp: Prometheus text, workers' final lines, PyTorch's result line, options, steady state. */
class DdpParsingTest {

    @Test
    void prometheusValueTakesTheFirstSampleOfTheExactMetricWithOrWithoutLabels() {
        String text = """
                # HELP chainrule_step_seconds A whole step
                # TYPE chainrule_step_seconds summary
                chainrule_step_seconds_count_extra{run="x"} 99.0
                chainrule_step_seconds_count{run="chainrule"} 234
                chainrule_step_seconds_sum{run="chainrule"} 1.225096343
                chainrule_steps_total 234.0
                """;
        assertEquals(OptionalDouble.of(234), PrometheusText.value(text, "chainrule_step_seconds_count"));
        assertEquals(OptionalDouble.of(1.225096343), PrometheusText.value(text, "chainrule_step_seconds_sum"));
        assertEquals(OptionalDouble.of(234), PrometheusText.value(text, "chainrule_steps_total"));
        assertEquals(OptionalDouble.empty(), PrometheusText.value(text, "chainrule_step_wait_seconds_sum"));
    }

    @Test
    void workerLinesAreFoundInTheTrainCommandsOutput() {
        String output = """
                training 784-256-128-10 relu, sgd lr 0.001 (cosine), batch 256, 2 shards on 2 worker processes
                [worker-1] worker-1: finished after 200 steps, 200 shards, 25600 samples (compute 1.0 s, communication 12.0 s)
                done: 200 steps in 17.5 s (3,041 samples/s)
                [worker-2] worker-2: finished after 200 steps, 200 shards, 25600 samples (compute 1.1 s, communication 12.1 s)
                """;
        List<WorkerLine> lines = WorkerLine.parseAll(output);
        assertEquals(List.of(new WorkerLine("worker-1", 200, 1.0, 12.0), new WorkerLine("worker-2", 200, 1.1, 12.1)), lines);
        assertEquals(5.5, lines.get(1).computeMillisPerStep(), 1e-9);
        assertEquals(60.5, lines.get(1).communicationMillisPerStep(), 1e-9);
        assertTrue(WorkerLine.parseAll("done: 200 steps").isEmpty());
    }

    @Test
    void ddpResultLineKeepsTheBlasFieldWithItsSpaces() {
        DdpFigures f = DdpFigures.parse("result optimizer=sgd world=2 batch=128 samples_per_second=56558.6 step_ms=4.52628"
                + " compute_ms=1.7603 sync_ms=2.76597 allreduce_ms=2.51375 gradient_bytes=940584 windows=3 steps=200"
                + " data=fashion-mnist torch=1.13.0a0 blas=OpenBLAS 0.3.21 NO_LAPACKE SkylakeX");
        assertEquals(56558.6, f.samplesPerSecond());
        assertEquals(4.52628, f.stepMillis());
        assertEquals(1.7603, f.computeMillis());
        assertEquals(2.76597, f.syncMillis());
        assertEquals(2.51375, f.allReduceMillis());
        assertEquals(940584, f.gradientBytes());
        assertEquals("OpenBLAS 0.3.21 NO_LAPACKE SkylakeX", f.blas());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> DdpFigures.parse("result step_ms=1"));
        assertTrue(missing.getMessage().contains("samples_per_second"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DdpFigures.parse("error RuntimeError: boom"));
    }

    @Test
    void gradientBytesOfTheModelAreThoseOfTheIssue() {
        assertEquals(235_146, CompareDdpBenchmark.PARAMETERS);
        assertEquals(940_584, 4 * CompareDdpBenchmark.PARAMETERS);
    }

    @Test
    void steadyStepTimeIsTheTimersGrowthOverTheStepsBetweenTwoReadings() {
        ChainruleTrainRun.Reading first = new ChainruleTrainRun.Reading(60, 2.5);
        ChainruleTrainRun.Reading last = new ChainruleTrainRun.Reading(230, 3.35);
        assertEquals(0.005, ChainruleTrainRun.steadyStepSeconds(first, last), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ChainruleTrainRun.steadyStepSeconds(last, last));
    }

    @Test
    void optionsQuickThenOverridesAndChecks() {
        DdpOptions d = DdpOptions.parse();
        assertEquals(1175, d.steps());
        assertEquals(705, d.warmupSteps());
        assertEquals(5, d.rounds());
        assertEquals("none", d.compression());
        assertEquals("bf16", DdpOptions.parse("--compression", "bf16").compression());
        DdpOptions quick = DdpOptions.parse("--quick", "--rounds", "1", "--adam");
        assertEquals(1, quick.rounds());
        assertEquals(160, quick.steps());
        assertEquals(25, quick.budgetSeconds());
        assertTrue(quick.adam());
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> DdpOptions.parse("--steps", "2351"));
        assertTrue(tooLong.getMessage().contains("2350"), tooLong.getMessage());
        IllegalArgumentException badMode = assertThrows(IllegalArgumentException.class, () -> DdpOptions.parse("--compression", "zip"));
        assertTrue(badMode.getMessage().contains("'zip'"), badMode.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DdpOptions.parse("--steps", "70", "--warmup-steps", "60"));
        assertThrows(IllegalArgumentException.class, () -> DdpOptions.parse("--data", "cifar"));
        assertThrows(IllegalArgumentException.class, () -> DdpOptions.parse("--rounds"));
        assertThrows(IllegalArgumentException.class, () -> DdpOptions.parse("--bogus"));
    }
}
