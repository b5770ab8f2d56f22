package dev.chainrule.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.nn.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bench/emulated-cluster's arithmetic, parsing, options and tables. */
class EmulatedClusterTest {
    private static final ModelSpec SMALL = ModelSpec.parse("784-256-128-10");

    @Test
    void ringAllReduceMovesTwiceTheShareOfTheOtherNodes() {
        assertEquals(1000.0, RingAllReduce.bytesPerNode(2, 1000), 1e-9);
        assertEquals(1500.0, RingAllReduce.bytesPerNode(4, 1000), 1e-9);
        assertEquals(0.0, RingAllReduce.bytesPerNode(1, 1000), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> RingAllReduce.bytesPerNode(0, 1000));
    }

    @Test
    void modelsCountWeightsAndBiasesAndTheRingMovesTheirFloat32Bytes() {
        assertEquals(CompareDdpBenchmark.PARAMETERS, SMALL.parameterCount());
        assertEquals(4 * CompareDdpBenchmark.PARAMETERS, new ClusterRow("1gbit", 2, SMALL, ClusterSide.PYTORCH_DDP, "-", null, "not run")
                .ringBytes(), 1e-9);
        assertEquals(784L * 2048 + 2048 + 2048L * 2048 + 2048 + 2048L * 10 + 10, ModelSpec.parse("784-2048-2048-10").parameterCount());
        assertEquals("784-2048-2048-10", ModelSpec.parse("784-2048-2048-10").toString());
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("784"));
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("784-x-10"));
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("784-0-10"));
    }

    @Test
    void countersParseAndSubtract() {
        NodeBytes later = NodeBytes.parse("1500\n900\n");
        assertEquals(new NodeBytes(1500, 900), later);
        assertEquals(new NodeBytes(500, 800), later.minus(new NodeBytes(1000, 100)));
        assertThrows(IllegalArgumentException.class, () -> NodeBytes.parse("1500\n"));
    }

    @Test
    void ddpLineGivesEachRanksBytes() {
        String line = "result optimizer=sgd world=2 batch=128 samples_per_second=20000 step_ms=12.8 compute_ms=nan sync_ms=nan"
                + " allreduce_ms=nan gradient_bytes=940584 windows=1 steps=40 data=fashion-mnist torch=1.13"
                + " rx_bytes_per_step=950000,960000 tx_bytes_per_step=955000,945000 blas=OpenBLAS 0.3.21 Haswell";
        ClusterFigures figures = DdpClusterRun.figures(line, 2);
        assertEquals(20000, figures.samplesPerSecond(), 1e-9);
        assertEquals(12.8, figures.stepMillis(), 1e-9);
        assertEquals("rank-1", figures.busiest().node());
        assertEquals(950000, figures.workerMean().txPerStep(), 1e-9);
        assertEquals(955000, figures.workerMean().rxPerStep(), 1e-9);
    }

    @Test
    void ddpLineWithTheWrongNumberOfRanksIsRefused() {
        String line = "result samples_per_second=1 step_ms=1 compute_ms=1 sync_ms=0 allreduce_ms=1 gradient_bytes=4"
                + " rx_bytes_per_step=1,2 tx_bytes_per_step=1,2 blas=x";
        assertThrows(IllegalArgumentException.class, () -> DdpClusterRun.figures(line, 4));
        assertTrue(Double.isNaN(DdpFigures.parse("result samples_per_second=1 step_ms=1 compute_ms=nan sync_ms=nan"
                + " allreduce_ms=nan gradient_bytes=4").computeMillis()));
    }

    @Test
    void theBusiestNodeIsTheOneWhoseBusierDirectionCarriesMost() {
        ClusterFigures figures = new ClusterFigures(1000, 256, List.of(new NodeTraffic("coordinator", false, 2e6, 1e6),
                new NodeTraffic("worker-1", true, 1e6, 1.5e6), new NodeTraffic("worker-2", true, 0.5e6, 1.5e6)));
        assertEquals("coordinator", figures.busiest().node());
        assertEquals(0.75e6, figures.workerMean().rxPerStep(), 1e-9);
        assertEquals(1.5e6, figures.workerMean().txPerStep(), 1e-9);
    }

    @Test
    void optionsHaveDefaultsQuickAndOverrides() {
        EmulatedClusterOptions defaults = EmulatedClusterOptions.parse("--network", "crec-1", "--nodes", "5");
        assertEquals(List.of(2, 4), defaults.workers());
        assertEquals(List.of("1gbit", "10gbit"), defaults.rates());
        assertEquals(2, defaults.models().size());
        assertEquals(4, defaults.mostWorkers());
        EmulatedClusterOptions quick = EmulatedClusterOptions.parse("--network", "crec-1", "--quick", "--rates", "10gbit", "--steps", "40");
        assertEquals(List.of(2), quick.workers());
        assertEquals(List.of(SMALL), quick.models());
        assertEquals(List.of("10gbit"), quick.rates());
        assertEquals(40, quick.steps());
        assertEquals(10, quick.warmup());
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        IllegalArgumentException thirds = assertThrows(IllegalArgumentException.class,
                () -> EmulatedClusterOptions.parse("--network", "crec-1", "--workers", "3"));
        assertTrue(thirds.getMessage().contains("--workers"), thirds.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmulatedClusterOptions.parse("--network", "crec-1", "--rates", "1gb"));
        assertThrows(IllegalArgumentException.class, () -> EmulatedClusterOptions.parse("--network", "crec-1", "--bogus"));
        assertThrows(IllegalArgumentException.class, () -> EmulatedClusterOptions.parse("--workers", "2"));
        assertThrows(IllegalArgumentException.class, () -> new EmulatedNetwork("Crec 1", 3));
    }

    @Test
    void theWindowClosesBeforeTheLastSteps() {
        assertEquals(56, ChainruleClusterRun.closingStep(60, 20), "a tenth of the timed steps");
        assertEquals(28, ChainruleClusterRun.closingStep(30, 10), "at least two");
        assertEquals(190, ChainruleClusterRun.closingStep(200, 100));
    }

    @Test
    void tableComparesWithRingAndDdpAndMarksFailures() {
        ClusterFigures ddp = new ClusterFigures(20000, 12.8, List.of(new NodeTraffic("rank-0", true, 0.95e6, 0.95e6),
                new NodeTraffic("rank-1", true, 0.95e6, 0.95e6)));
        ClusterFigures chainrule = new ClusterFigures(5000, 51.2, List.of(new NodeTraffic("coordinator", false, 1.9e6, 1.9e6),
                new NodeTraffic("worker-1", true, 0.95e6, 0.95e6), new NodeTraffic("worker-2", true, 0.95e6, 0.95e6)));
        List<ClusterRow> rows = List.of(new ClusterRow("1gbit", 2, SMALL, ClusterSide.PYTORCH_DDP, "-", ddp, null),
                new ClusterRow("1gbit", 2, SMALL, ClusterSide.ONE_COORDINATOR, "none", chainrule, null),
                new ClusterRow("1gbit", 2, SMALL, ClusterSide.ONE_COORDINATOR, "bf16", null, "timed out"));
        assertEquals(0.25, rows.get(1).ddpRatio(rows), 1e-12);
        assertEquals(1.9e6 / (4.0 * CompareDdpBenchmark.PARAMETERS), rows.get(1).ringRatio(), 1e-12);
        assertTrue(Double.isNaN(rows.get(2).ddpRatio(rows)));
        String table = EmulatedClusterTable.rows(rows);
        assertTrue(table.lines().anyMatch(l -> l.contains("none") && l.contains("coordinator") && l.contains("2.02") && l.contains("0.25")),
                table);
        assertTrue(table.lines().anyMatch(l -> l.contains("bf16") && l.contains("failed")), table);
        String targets = EmulatedClusterTable.targets(rows);
        assertEquals(3, targets.lines().filter(l -> l.contains("no rows yet")).count(), targets);
        assertTrue(targets.contains(">= 1.50") && targets.contains("<= 1.05"), targets);
    }
}
