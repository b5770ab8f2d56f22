package dev.chainrule.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scaling benchmark against the real coordinator over loopback TCP, briefly: if the session
 * protocol changes, the simulated workers must change with it, and this fails first.
 */
class CoordinatorScalingTest {

    @Test
    @Timeout(60)
    void simulatedWorkersCompleteARunWithTheRealCoordinator() throws Exception {
        int workers = 3;
        ScalingTable.Row row = CoordinatorScalingBenchmark.measure(workers, 2, 4,
                CoordinatorScalingBenchmark.syntheticData(workers * CoordinatorScalingBenchmark.SHARD_SAMPLES * 6));
        assertEquals(workers, row.workers());
        assertTrue(row.millisPerStep() > 0 && row.p90Millis() >= row.millisPerStep(), row.toString());
        assertTrue(row.cpuMillis() > 0 && row.trainerCpuMillis() > 0, row.toString());
    }

    @Test
    void optionsAreParsedAndChecked() {
        CoordinatorScalingBenchmark.Options d = CoordinatorScalingBenchmark.Options.parse();
        assertEquals(List.of(1, 2, 4, 8, 16, 32), d.workers());
        assertEquals(10, d.warmup());
        assertEquals(50, d.steps());
        CoordinatorScalingBenchmark.Options o = CoordinatorScalingBenchmark.Options.parse("--quick", "--workers", "4,1,4");
        assertEquals(List.of(1, 4), o.workers());
        assertEquals(20, o.steps());
        assertThrows(IllegalArgumentException.class, () -> CoordinatorScalingBenchmark.Options.parse("--workers", "0"));
        assertThrows(IllegalArgumentException.class, () -> CoordinatorScalingBenchmark.Options.parse("--steps"));
        assertThrows(IllegalArgumentException.class, () -> CoordinatorScalingBenchmark.Options.parse("--bogus", "1"));
    }
}
