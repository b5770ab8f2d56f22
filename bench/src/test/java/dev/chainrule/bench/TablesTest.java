package dev.chainrule.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The tables of bench/compare-ddp and bench/coordinator-scaling, and their verdicts. */
class TablesTest {

    @Test
    void textTableAlignsTheFirstColumnLeftAndTheOthersRight() {
        String text = new TextTable("what", "value").add("a", "1").add("longer", "1,234").format();
        assertEquals("""
                what    value
                a           1
                longer  1,234
                """, text);
        assertThrows(IllegalArgumentException.class, () -> new TextTable("a", "b").add("only one"));
    }

    @Test
    void ddpTargetsGiveRatiosAndVerdicts() {
        DdpTable.Side ddp = new DdpTable.Side("ddp", 50_000, 5.12, 1.7, 3.42, Double.NaN, Double.NaN);
        DdpTable.Side workers = new DdpTable.Side("workers", 80_000, 3.2, 2.5, 0.7, 70_000, 1.1);
        DdpTable.Side single = new DdpTable.Side("single", 85_000, 3.01, Double.NaN, Double.NaN, 80_000, Double.NaN);
        List<String[]> rows = DdpTable.targets("sgd", ddp, workers, single);
        assertArrayEquals(new String[] {"Chainrule workers / DDP samples/s (sgd)", "1.60", ">= 1.50", "PASS"}, rows.get(0));
        assertArrayEquals(new String[] {"Chainrule workers sync ms/step (sgd)", "0.70", "<= 1.00 ms", "PASS"}, rows.get(1));
        assertArrayEquals(new String[] {"DDP sync ms/step (sgd), for reference", "3.42", "-", "-"}, rows.get(2));
        assertArrayEquals(new String[] {"Chainrule workers / single process samples/s (sgd)", "0.94", "> 1.00", "BELOW"}, rows.get(3));

        DdpTable.Side slow = new DdpTable.Side("workers", 40_000, 6.4, 2.5, 3.9, 30_000, 4.0);
        List<String[]> missed = DdpTable.targets("adam", ddp, slow, null);
        assertEquals(3, missed.size());
        assertEquals("BELOW", missed.get(0)[3]);
        assertEquals("ABOVE", missed.get(1)[3]);

        DdpTable.Side equal = new DdpTable.Side("workers", 85_000, 3.01, 2.5, 0.51, 80_000, 1.0);
        assertEquals("BELOW", DdpTable.targets("sgd", ddp, equal, single).get(3)[3], "equal throughput is not faster");

        String sides = DdpTable.sides(List.of(ddp, workers));
        assertTrue(sides.contains("50,000") && sides.contains("n/a") && sides.contains("0.70"), sides);
    }

    @Test
    void scalingTableShowsPerWorkerCostAndGrowth() {
        List<ScalingTable.Row> rows = List.of(new ScalingTable.Row(1, 2.0, 2.5, 3.0, 1.0), new ScalingTable.Row(2, 3.0, 3.5, 5.0, 1.2),
                new ScalingTable.Row(4, 7.0, 8.0, 9.0, 2.0), new ScalingTable.Row(32, 9.5, 11.0, 30.0, 6.0));
        String table = ScalingTable.format(rows);
        assertTrue(table.contains("1.500"), "3.0 ms / 2 workers: " + table);
        assertTrue(table.contains("3.50x"), "7.0 / 2.0: " + table);
        assertEquals(7.0 / 3.0, ScalingTable.worstDoubling(rows), 1e-12, "4 vs 2 is the worst doubling; 32 has no 16");
        String targets = ScalingTable.targets(rows);
        assertTrue(targets.contains("9.50") && targets.contains("PASS"), targets);
        assertTrue(targets.contains("2.33x") && targets.contains("ABOVE"), targets);
        assertTrue(targets.lines().anyMatch(l -> l.contains("CPU ms/step at N = 2") && l.contains("5.00") && l.contains("ABOVE")), targets);
        assertTrue(Double.isNaN(ScalingTable.worstDoubling(List.of(new ScalingTable.Row(3, 1, 1, 1, 1)))));
        assertTrue(ScalingTable.targets(List.of(new ScalingTable.Row(1, 1, 1, 1, 1))).contains("n/a"));
    }
}
