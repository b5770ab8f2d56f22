package dev.chainrule.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worker's reconnect policy, with scripted sessions and a fake clock. */
class ReconnectingSessionRunnerTest {
    private static final Duration CONNECT = Duration.ofSeconds(60);
    private static final Duration RECONNECT = Duration.ofSeconds(60);

    private long now;
    private final List<Duration> sleeps = new ArrayList<>();
    private final List<Duration> waits = new ArrayList<>();
    private final List<String> log = new ArrayList<>();

    /** What one scripted session does. */
    private interface Step {
        WorkerResult run(ReconnectingSessionRunner.Attempt attempt);
    }

    private ReconnectingSessionRunner sessions() {
        return new ReconnectingSessionRunner(CONNECT, RECONNECT, log::add, () -> now, d -> {
            sleeps.add(d);
            now += d.toNanos();
        });
    }

    private ReconnectingSessionRunner.Outcome run(Deque<Step> script) throws InterruptedException {
        return sessions().run(attempt -> {
            waits.add(attempt.connectTimeout());
            Step step = script.isEmpty() ? unreachable() : script.poll();
            return step.run(attempt);
        });
    }

    private static WorkerStats stats(long shards) {
        return new WorkerStats(shards, shards, 10 * shards, Duration.ofMillis(shards), Duration.ofMillis(2 * shards));
    }

    /** Joins, computes {@code shards} shards, then the stream breaks. */
    private Step joinsThenBreaks(long shards) {
        return attempt -> {
            attempt.welcomed();
            attempt.recordStats(stats(shards));
            now += Duration.ofSeconds(1).toNanos();
            throw new WorkerException("UNAVAILABLE after " + shards + " shards");
        };
    }

    /** The coordinator is not there: the attempt waits its whole connect timeout. */
    private Step unreachable() {
        return attempt -> {
            now += attempt.connectTimeout().toNanos();
            throw new WorkerException("no coordinator within " + attempt.connectTimeout());
        };
    }

    private static Step finishes() {
        return attempt -> {
            attempt.welcomed();
            return new WorkerResult(0, true, "training finished after 40 steps", stats(0));
        };
    }

    private static Deque<Step> script(Step... steps) {
        return new ArrayDeque<>(List.of(steps));
    }

    @Test
    void aRunThatFinishesNeedsOneSession() throws InterruptedException {
        ReconnectingSessionRunner.Outcome outcome = run(script(finishes()));
        assertTrue(outcome.last().finished());
        assertEquals(1, outcome.sessions());
        assertEquals(List.of(CONNECT), waits);
        assertEquals(List.of(), sleeps);
        assertEquals(List.of(), log);
    }

    @Test
    void aWorkerThatNeverJoinedFailsWithItsFirstErrorAfterOneAttempt() {
        WorkerException first = new WorkerException("no coordinator within 60 s");
        WorkerException e = assertThrows(WorkerException.class, () -> sessions().run(attempt -> {
            waits.add(attempt.connectTimeout());
            throw first;
        }));
        assertSame(first, e);
        assertEquals(List.of(CONNECT), waits, "one attempt, as long as the connect timeout");
        assertEquals(List.of(), log);
    }

    @Test
    void aStopBeforeTheWorkerEverJoinedIsReturnedAsItIs() throws InterruptedException {
        WorkerResult stopped = new WorkerResult(-1, false, "the run is over", stats(0));
        ReconnectingSessionRunner.Outcome outcome = sessions().run(attempt -> stopped);
        assertSame(stopped, outcome.last());
        assertEquals(0, outcome.sessions());
    }

    @Test
    void aLostCoordinatorIsRetriedWithGrowingPausesUntilItIsBack() throws InterruptedException {
        // the coordinator is down for 4 attempts, then back: the worker rejoins and the run finishes
        ReconnectingSessionRunner.Outcome outcome = run(script(joinsThenBreaks(12), unreachable(), unreachable(), unreachable(), unreachable(),
                finishes()));
        assertTrue(outcome.last().finished());
        assertEquals(2, outcome.sessions());
        assertEquals(12, outcome.total().shards(), "what every session did");
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(5)), sleeps);
        assertEquals(CONNECT, waits.get(0));
        assertTrue(waits.subList(1, waits.size()).stream().allMatch(w -> w.equals(ReconnectingSessionRunner.ATTEMPT_WAIT)), waits.toString());
        assertEquals(2, log.size(), log.toString());
        assertTrue(log.get(0).startsWith("lost the coordinator: UNAVAILABLE after 12 shards; reconnecting for up to 60s"), log.get(0));
        assertEquals("joined the run again (attempt 5)", log.get(1));
    }

    @Test
    void aCoordinatorThatStaysAwayEndsTheWorkerWithinTheReconnectTimeout() {
        WorkerException e = assertThrows(WorkerException.class, () -> run(script(joinsThenBreaks(3))));
        assertTrue(e.getMessage().startsWith("gave up reconnecting to the coordinator after 60s and "), e.getMessage());
        assertTrue(e.getMessage().contains("; the last one: no coordinator within"), e.getMessage());
        long lostAt = Duration.ofSeconds(1).toNanos();
        assertTrue(now - lostAt <= RECONNECT.toNanos(), "gave up " + Duration.ofNanos(now - lostAt) + " after the loss");
        assertTrue(sleeps.stream().allMatch(d -> d.compareTo(ReconnectingSessionRunner.MAX_BACKOFF) <= 0), sleeps.toString());
        assertTrue(waits.stream().skip(1).allMatch(d -> d.compareTo(ReconnectingSessionRunner.ATTEMPT_WAIT) <= 0), waits.toString());
    }

    @Test
    void aCoordinatorThatKeepsStoppingTheRunUnfinishedDoesNotKeepTheWorkerForever() {
        // welcomed every time, but stopped before any shard: the reconnect window is not restarted
        Step stopsAtOnce = attempt -> {
            attempt.welcomed();
            now += Duration.ofMillis(100).toNanos();
            return new WorkerResult(1, false, "no worker is left", stats(0));
        };
        Deque<Step> script = script(joinsThenBreaks(5));
        for (int i = 0; i < 1000; i++) {
            script.add(stopsAtOnce);
        }
        WorkerException e = assertThrows(WorkerException.class, () -> run(script));
        assertTrue(e.getMessage().contains("the last one: the coordinator stopped the run unfinished: no worker is left"), e.getMessage());
        assertTrue(script.size() > 900, "bounded: " + (1000 - script.size()) + " attempts");
    }

    @Test
    void aSessionThatMadeProgressRestartsTheReconnectWindow() throws InterruptedException {
        // lost three times, each time after computing shards and 45 s apart: each loss has its own 60 s
        Step longSession = attempt -> {
            attempt.welcomed();
            now += Duration.ofSeconds(45).toNanos();
            throw new WorkerException("UNAVAILABLE");
        };
        ReconnectingSessionRunner.Outcome outcome = run(script(joinsThenBreaks(1), withShards(longSession), withShards(longSession), finishes()));
        assertTrue(outcome.last().finished());
        assertEquals(4, outcome.sessions());
        assertEquals(List.of(Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(500)), sleeps, "the pause starts over too");
    }

    /** {@code step}, reporting one computed shard, as a worker that took part does. */
    private static Step withShards(Step step) {
        return attempt -> {
            try {
                return step.run(attempt);
            } finally {
                attempt.recordStats(stats(1));
            }
        };
    }
}
