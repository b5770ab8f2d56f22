package dev.chainrule.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.optim.OptimFixtures.Schedule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Learning-rate schedules against the rates torch's schedulers set (recorded by
 * {@code tools/oracle/make_optim_fixtures.py}), within 1e-12 relative, and their argument checks.
 */
class LearningRateScheduleTest {
    private static final double RTOL = 1e-12;

    @Test
    void matchesTorchSchedulers() {
        List<Schedule> schedules = OptimFixtures.loadSchedules();
        assertFalse(schedules.isEmpty());
        double maxRel = 0;
        int exact = 0;
        int count = 0;
        for (Schedule s : schedules) {
            LearningRateSchedule schedule = LearningRateSchedules.create(s.kind(), s.baseRate(), s.tMax());
            for (int step = 0; step < s.rates().length; step++) {
                double expected = s.rates()[step];
                double actual = schedule.rate(step);
                double d = Math.abs(actual - expected);
                assertTrue(d <= RTOL * Math.abs(expected), s + " step " + step + ": " + actual + " (expected: " + expected
                        + ", torch)");
                maxRel = expected == 0 ? maxRel : Math.max(maxRel, d / Math.abs(expected));
                exact += actual == expected ? 1 : 0;
                count++;
            }
        }
        System.out.printf("LearningRateScheduleTest: %d of %d rates identical to torch's, max rel diff %.3g%n", exact,
                count, maxRel);
    }

    /** Torch's recursive get_lr() and the closed form agree over long runs too (the fixtures stop at T_max 1000). */
    @Test
    void closedFormFollowsTorchRecursionOverLongRuns() {
        for (long tMax : new long[] {1000, 12345, 100_000}) {
            LearningRateSchedule schedule = LearningRateSchedules.create("cosine", 0.1, tMax);
            double lr = 0.1;
            double maxRel = 0;
            for (long t = 0; t < tMax; t++) {
                if (t > 0) {
                    // torch 1.13 CosineAnnealingLR.get_lr() with eta_min 0, for 0 < t <= T_max
                    lr = (1 + StrictMath.cos(Math.PI * t / tMax)) / (1 + StrictMath.cos(Math.PI * (t - 1) / tMax)) * lr;
                }
                maxRel = Math.max(maxRel, Math.abs(schedule.rate(t) - lr) / lr);
            }
            assertTrue(maxRel <= RTOL, "T_max " + tMax + ": closed form differs from the recursion by " + maxRel);
            System.out.printf("LearningRateScheduleTest: T_max %d, closed form vs torch's recursion: max rel diff %.3g%n",
                    tMax, maxRel);
        }
    }

    @Test
    void cosineStartsAtBaseAndReachesZeroAtTotalSteps() {
        LearningRateSchedule schedule = LearningRateSchedules.create("cosine", 0.3, 10);
        assertEquals(0.3, schedule.rate(0));
        assertEquals(0.15, schedule.rate(5), 1e-17);
        assertEquals(0.0, schedule.rate(10));
        assertTrue(schedule.rate(9) > 0);
    }

    @Test
    void constantIsConstant() {
        LearningRateSchedule schedule = LearningRateSchedules.create("constant", 0.01, 3);
        for (long step : new long[] {0, 1, 2, 3, 1_000_000}) {
            assertEquals(0.01, schedule.rate(step));
        }
    }

    @Test
    void unknownKindListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedules.create("linear", 0.1, 10));
        assertEquals("unknown learning-rate schedule kind 'linear' (expected one of: constant, cosine)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedules.create(null, 0.1, 10));
    }

    @Test
    void rejectsBadArguments() {
        assertEquals("learning rate : -0.1 (expected: finite and >= 0)", assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedules.create("cosine", -0.1, 10)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedules.create("cosine", Double.NaN, 10));
        assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedules.create("constant", Double.POSITIVE_INFINITY, 10));
        assertEquals("totalSteps : 0 (expected: >= 1)", assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedules.create("cosine", 0.1, 0)).getMessage());
        for (String kind : LearningRateSchedules.KINDS) {
            LearningRateSchedule schedule = LearningRateSchedules.create(kind, 0.1, 10);
            assertEquals("step : -1 (expected: >= 0)",
                    assertThrows(IllegalArgumentException.class, () -> schedule.rate(-1)).getMessage());
        }
    }
}
