package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardPlanTest {

    @Test
    void shardsAreContiguousCoverTheBatchAndDifferByAtMostOne() {
        for (int batch = 0; batch <= 40; batch++) {
            for (int shards = 1; shards <= 12; shards++) {
                ShardPlan plan = new ShardPlan(batch, shards);
                assertEquals(shards, plan.shards());
                assertEquals(0, plan.start(0), batch + "/" + shards);
                int min = Integer.MAX_VALUE;
                int max = Integer.MIN_VALUE;
                int total = 0;
                for (int s = 0; s < shards; s++) {
                    int size = plan.size(s);
                    assertTrue(size >= 0, batch + "/" + shards + " shard " + s);
                    if (s > 0) {
                        assertEquals(plan.start(s - 1) + plan.size(s - 1), plan.start(s), "contiguous: " + batch + "/" + shards + " shard " + s);
                        assertTrue(plan.size(s - 1) >= size, "larger shards first: " + batch + "/" + shards);
                    }
                    min = Math.min(min, size);
                    max = Math.max(max, size);
                    total += size;
                }
                assertEquals(batch, total, "cover: " + batch + "/" + shards);
                assertEquals(batch, plan.start(shards - 1) + plan.size(shards - 1));
                assertTrue(max - min <= 1, "balanced: " + batch + "/" + shards);
            }
        }
    }

    @Test
    void firstBModSShardsGetTheExtraSample() {
        ShardPlan plan = new ShardPlan(10, 4); // 3, 3, 2, 2
        assertEquals(3, plan.size(0));
        assertEquals(3, plan.size(1));
        assertEquals(2, plan.size(2));
        assertEquals(2, plan.size(3));
        assertEquals(0, plan.start(0));
        assertEquals(3, plan.start(1));
        assertEquals(6, plan.start(2));
        assertEquals(8, plan.start(3));
    }

    @Test
    void aBatchSmallerThanTheShardCountLeavesEmptyShards() {
        ShardPlan plan = new ShardPlan(3, 5); // 1, 1, 1, 0, 0
        int[] sizes = new int[5];
        for (int s = 0; s < 5; s++) {
            sizes[s] = plan.size(s);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 1, 1, 0, 0}, sizes);
        assertEquals(3, plan.start(3));
        assertEquals(3, plan.start(4));
        ShardPlan empty = new ShardPlan(0, 3);
        for (int s = 0; s < 3; s++) {
            assertEquals(0, empty.size(s));
            assertEquals(0, empty.start(s));
        }
    }

    @Test
    void oneShardIsTheWholeBatch() {
        ShardPlan plan = new ShardPlan(128, 1);
        assertEquals(0, plan.start(0));
        assertEquals(128, plan.size(0));
    }

    @Test
    void largeBatchesDoNotOverflow() {
        ShardPlan plan = new ShardPlan(Integer.MAX_VALUE, 7);
        long total = 0;
        for (int s = 0; s < 7; s++) {
            total += plan.size(s);
        }
        assertEquals(Integer.MAX_VALUE, total);
    }

    @Test
    void invalidSizesAreNamed() {
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> new ShardPlan(-1, 2));
        assertEquals("batch size : -1 (expected: >= 0)", batch.getMessage());
        IllegalArgumentException shards = assertThrows(IllegalArgumentException.class, () -> new ShardPlan(8, 0));
        assertEquals("shards : 0 (expected: >= 1)", shards.getMessage());
    }

    @Test
    void aShardIndexOutsideThePlanIsRejected() {
        ShardPlan plan = new ShardPlan(10, 4);
        assertRejected(() -> plan.size(4), "size(4) of a 4-shard plan");
        assertRejected(() -> plan.size(-1), "size(-1)");
        assertRejected(() -> plan.start(-1), "start(-1)");
        assertRejected(() -> plan.start(5), "start(5) of a 4-shard plan");
    }

    /** An index error (IndexOutOfBounds or IllegalArgument) naming the index, not a made-up size or offset. */
    private static void assertRejected(org.junit.jupiter.api.function.Executable call, String what) {
        RuntimeException e = assertThrows(RuntimeException.class, call, what + " returned a value");
        assertTrue(e instanceof IndexOutOfBoundsException || e instanceof IllegalArgumentException, what + ": " + e);
    }
}
