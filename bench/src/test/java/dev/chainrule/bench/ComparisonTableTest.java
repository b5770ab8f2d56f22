package dev.chainrule.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ComparisonTableTest {

    private static void addAll(Measurements m, Framework f, Config c, double... values) {
        for (double v : values) {
            m.add(f, c, v);
        }
    }

    @Test
    void medianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
        assertEquals(3.0, Measurements.median(List.of(9.0, 3.0, 1.0)));
        assertEquals(2.5, Measurements.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertEquals(7.0, Measurements.median(List.of(7.0)));
        assertThrows(IllegalArgumentException.class, () -> Measurements.median(List.of()));
    }

    @Test
    void notMeasuredWindowsAreIgnored() {
        Measurements m = new Measurements();
        Config bytes = new Config(Metric.MLP_BYTES, 32, 1);
        m.add(Framework.PYTORCH, bytes, Double.NaN);
        assertTrue(m.median(Framework.PYTORCH, bytes).isEmpty());
    }

    @Test
    void bestPicksTheHighestMedianAndTheFewestThreadsOnATie() {
        Measurements m = new Measurements();
        addAll(m, Framework.PYTORCH, new Config(Metric.MLP_STEPS, 128, 1), 500, 600, 550);
        addAll(m, Framework.PYTORCH, new Config(Metric.MLP_STEPS, 128, 2), 900, 100, 700);
        assertEquals(new Measurements.Best(700, 2), m.best(Framework.PYTORCH, Metric.MLP_STEPS, 128, List.of(1, 2)));
        addAll(m, Framework.CHAINRULE, new Config(Metric.MLP_STEPS, 128, 1), 300);
        addAll(m, Framework.CHAINRULE, new Config(Metric.MLP_STEPS, 128, 2), 300);
        assertEquals(new Measurements.Best(300, 1), m.best(Framework.CHAINRULE, Metric.MLP_STEPS, 128, List.of(1, 2)));
    }

    @Test
    void targetsGiveVerdictsOnBothSidesOfTheirLimit() {
        assertEquals("PASS", Target.ratioAtLeast(0.9).verdict(0.9));
        assertEquals("BELOW", Target.ratioAtLeast(0.9).verdict(0.89));
        assertEquals("PASS", ComparisonTable.ALLOCATION_TARGET.verdict(65_536));
        assertEquals("ABOVE", ComparisonTable.ALLOCATION_TARGET.verdict(65_537));
        assertEquals("n/a", Target.ratioAtLeast(1).verdict(Double.NaN));
    }

    @Test
    void rowsCompareMediansAndBestConfigurationsAgainstTheIssueTargets() {
        Measurements m = new Measurements();
        addAll(m, Framework.CHAINRULE, new Config(Metric.GEMM_GFLOPS, 512, 1), 90, 95, 10);
        addAll(m, Framework.PYTORCH, new Config(Metric.GEMM_GFLOPS, 512, 1), 100, 100, 200);
        addAll(m, Framework.CHAINRULE, new Config(Metric.MLP_STEPS, 32, 1), 2000);
        addAll(m, Framework.CHAINRULE, new Config(Metric.MLP_STEPS, 32, 2), 2700);
        addAll(m, Framework.PYTORCH, new Config(Metric.MLP_STEPS, 32, 1), 1500);
        addAll(m, Framework.PYTORCH, new Config(Metric.MLP_STEPS, 32, 2), 2000);
        addAll(m, Framework.PYTORCH, new Config(Metric.MLP_STEPS, 32, Config.DEFAULT_THREADS), 2100);
        addAll(m, Framework.CHAINRULE, new Config(Metric.TRAIN_STEPS, 32, 1), 2000);
        addAll(m, Framework.CHAINRULE, new Config(Metric.TRAIN_STEPS, 32, 2), 3000, 3200);
        addAll(m, Framework.CHAINRULE, new Config(Metric.MLP_BYTES, 32, 1), 1024, 2048, 4096);
        addAll(m, Framework.CHAINRULE, new Config(Metric.MLP_BYTES, 32, 2), 70_000);

        List<ComparisonTable.Row> rows = ComparisonTable.rows(m, List.of(512), List.of(32), List.of(1, 2));

        assertEquals(List.of(
                new ComparisonTable.Row("GEMM n=512 GFLOP/s, 1 thread", "90.0", "100.0", "0.90", ">= 0.90", "PASS"),
                new ComparisonTable.Row("MLP batch 32 steps/s, 1 thread", "2000", "1500", "1.33", "-", "-"),
                new ComparisonTable.Row("MLP batch 32 steps/s, best of threads 1,2", "2700 (2t)", "2100 (default)", "1.29", ">= 1.30",
                        "BELOW"),
                new ComparisonTable.Row("chainrule train batch 32 steps/s, best", "3100 (2t)", "2100 (default)", "1.48", ">= 1.50",
                        "BELOW"),
                new ComparisonTable.Row("MLP batch 32 bytes/step allocated, 1 thread", "2,048", "-", "-", "<= 64 KiB", "PASS"),
                new ComparisonTable.Row("MLP batch 32 bytes/step allocated, 2 threads", "70,000", "-", "-", "<= 64 KiB", "ABOVE")),
                rows);
    }

    @Test
    void theScalingTableDividesTheMostThreadsByOne() {
        Measurements m = new Measurements();
        addAll(m, Framework.CHAINRULE, new Config(Metric.MLP_STEPS, 128, 1), 500);
        addAll(m, Framework.CHAINRULE, new Config(Metric.MLP_STEPS, 128, 2), 950);
        addAll(m, Framework.CHAINRULE, new Config(Metric.TRAIN_STEPS, 128, 1), 480);
        addAll(m, Framework.CHAINRULE, new Config(Metric.TRAIN_STEPS, 128, 2), 900);
        assertEquals("""
                what                               1 thread  2 threads  2t/1t   target  verdict
                MLP batch 128 steps/s                   500        950   1.90  >= 1.80     PASS
                chainrule train batch 128 steps/s       480        900   1.88        -        -
                """, ThreadScalingTable.format(m, List.of(128), List.of(1, 2)));
    }

    @Test
    void aMissingMeasurementShowsAsNotAvailable() {
        List<ComparisonTable.Row> rows = ComparisonTable.rows(new Measurements(), List.of(256), List.of(), List.of(1));
        assertEquals(new ComparisonTable.Row("GEMM n=256 GFLOP/s, 1 thread", "n/a", "n/a", "n/a", ">= 0.90", "n/a"), rows.get(0));
    }

    @Test
    void formatAlignsColumnsUnderTheHeader() {
        String table = ComparisonTable.format(List.of(new ComparisonTable.Row("GEMM n=256", "1.0", "100.0", "0.01", ">= 0.90", "BELOW")));
        assertEquals("""
                what        Chainrule  PyTorch  ratio   target  verdict
                GEMM n=256        1.0    100.0   0.01  >= 0.90    BELOW
                """, table);
    }
}
