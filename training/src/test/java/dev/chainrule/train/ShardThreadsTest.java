package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Shards computed side by side reach the caller in shard order, on its thread; failures reach it once every started shard is done. */
class ShardThreadsTest {

    @Test
    void resultsArriveInShardOrderOnTheCallersThreadWhateverFinishesFirst() {
        try (ShardThreads threads = new ShardThreads(3)) {
            for (int round = 0; round < 20; round++) {
                int shards = 1 + round % 7;
                List<Integer> given = new ArrayList<>();
                Thread caller = Thread.currentThread();
                threads.run(shards, s -> {
                    sleep((shards - s) % 3); // later shards often finish first
                    return s * 10;
                }, (s, result) -> {
                    assertSame(caller, Thread.currentThread());
                    assertEquals(s * 10, result);
                    given.add(s);
                });
                List<Integer> expected = new ArrayList<>();
                for (int s = 0; s < shards; s++) {
                    expected.add(s);
                }
                assertEquals(expected, given, "round " + round);
            }
        }
    }

    @Test
    void shardsRunOnSeveralThreadsAtOnce() {
        Set<String> names = ConcurrentHashMap.newKeySet();
        try (ShardThreads threads = new ShardThreads(2)) {
            for (int round = 0; round < 50 && names.size() < 2; round++) {
                threads.run(4, s -> {
                    names.add(Thread.currentThread().getName());
                    sleep(2);
                    return s;
                }, (s, result) -> { });
            }
        }
        assertEquals(2, names.size(), "threads that computed shards: " + names);
    }

    @Test
    void aFailingShardFailsTheRunAfterTheStartedShardsAreDone() {
        AtomicInteger running = new AtomicInteger();
        try (ShardThreads threads = new ShardThreads(3)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> threads.run(6, s -> {
                running.incrementAndGet();
                try {
                    if (s == 1) {
                        throw new IllegalStateException("shard 1 failed");
                    }
                    sleep(5);
                    return s;
                } finally {
                    running.decrementAndGet();
                }
            }, (s, result) -> { }));
            assertEquals("shard 1 failed", e.getMessage());
            assertEquals(0, running.get(), "shards still running after the failure left");
            List<Integer> given = new ArrayList<>();
            threads.run(3, s -> s, (s, result) -> given.add(result));
            assertEquals(List.of(0, 1, 2), given, "the next run is whole");
        }
    }

    @Test
    void aFailingSinkStopsTheRunOnceTheStartedShardsAreDone() {
        AtomicInteger running = new AtomicInteger();
        try (ShardThreads threads = new ShardThreads(2)) {
            assertThrows(IllegalArgumentException.class, () -> threads.run(8, s -> {
                running.incrementAndGet();
                sleep(3);
                running.decrementAndGet();
                return s;
            }, (s, result) -> {
                throw new IllegalArgumentException("cannot send shard " + s);
            }));
            assertEquals(0, running.get());
        }
    }

    @Test
    void oneThreadComputesOnTheCaller() {
        try (ShardThreads threads = new ShardThreads(1)) {
            Thread caller = Thread.currentThread();
            threads.run(3, s -> {
                assertSame(caller, Thread.currentThread());
                return s;
            }, (s, result) -> { });
            assertEquals(1, threads.threads());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ShardThreads(0)).getMessage().contains(">= 1"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
