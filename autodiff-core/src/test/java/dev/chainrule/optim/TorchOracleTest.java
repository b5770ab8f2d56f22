package dev.chainrule.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimFixtures.Array;
import dev.chainrule.optim.OptimFixtures.Run;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays torch's optimiser runs (recorded by {@code tools/oracle/make_optim_fixtures.py}) and
 * compares the parameters after every step, and the final buffers, within |a − e| ≤ atol + rtol·|e|
 * (float32: rtol 1e-6, atol 1e-7; float64: rtol 1e-12, atol 1e-14). Each step uses the learning rate
 * torch used; the cosine schedule's rate for that step must agree with it within 1e-12 relative. The
 * parameters require grad and recording is on, as in a training loop.
 */
class TorchOracleTest {
    private static final double RTOL_32 = 1e-6;
    private static final double ATOL_32 = 1e-7;
    private static final double RTOL_64 = 1e-12;
    private static final double ATOL_64 = 1e-14;
    private static final double RATE_RTOL = 1e-12;
    private static final List<String> SUMMARY = new ArrayList<>();

    @TestFactory
    Stream<DynamicTest> matchesTorch() {
        List<String> names = OptimFixtures.runNames();
        assertFalse(names.isEmpty(), "no fixtures in test resources folder optim/");
        return names.stream().map(name -> dynamicTest(name, () -> replay(OptimFixtures.loadRun(name))));
    }

    @AfterAll
    static void printSummary() {
        System.out.println("TorchOracleTest: largest differences from torch\n  " + String.join("\n  ", SUMMARY));
    }

    private static void replay(Run run) {
        boolean f32 = run.dtype() == DType.FLOAT32;
        double rtol = f32 ? RTOL_32 : RTOL_64;
        double atol = f32 ? ATOL_32 : ATOL_64;
        List<Tensor> params = new ArrayList<>();
        run.initial().forEach((name, a) -> params.add(a.toTensor(run.dtype()).named(name).requiresGrad(true)));
        Optimizer optimizer = Optimizers.create(run.optimizer(), run.settings());
        LearningRateSchedule schedule = LearningRateSchedules.create(run.scheduleKind(), run.baseRate(), run.totalSteps());
        Diff diff = new Diff(run.name(), rtol, atol);
        for (int step = 0; step < run.steps(); step++) {
            double torchRate = run.rates().get(step);
            double rate = schedule.rate(step);
            assertTrue(Math.abs(rate - torchRate) <= RATE_RTOL * Math.abs(torchRate),
                    run.name() + " step " + step + ": schedule rate " + rate + ", torch " + torchRate);
            List<Tensor> grads = new ArrayList<>();
            for (Tensor p : params) {
                grads.add(run.gradients().get(step).get(p.name()).toTensor(run.dtype()));
            }
            assertTrue(GradMode.isEnabled());
            optimizer.step(params, grads, torchRate);
            assertTrue(GradMode.isEnabled(), "step left recording off");
            for (Tensor p : params) {
                diff.compare("step " + step + " " + p.name(), p, run.after().get(step).get(p.name()));
            }
        }
        Map<String, Tensor> state = optimizer.exportState().buffers();
        assertEquals(run.state().keySet(), state.keySet(), run.name() + ": buffer names");
        run.state().forEach((name, expected) -> diff.compare("state " + name, state.get(name), expected));
        assertEquals(run.steps(), optimizer.exportState().stepCount());
        SUMMARY.add(diff.summary());
        diff.assertWithinTolerance();
    }

    /** Collects the largest absolute and relative differences and the first element out of tolerance. */
    private static final class Diff {
        private final String run;
        private final double rtol;
        private final double atol;
        private double maxAbs;
        private double maxRel;
        private int elements;
        private int notBitIdentical;
        private String firstFailure;

        Diff(String run, double rtol, double atol) {
            this.run = run;
            this.rtol = rtol;
            this.atol = atol;
        }

        void compare(String what, Tensor actual, Array expected) {
            assertEquals(java.util.Arrays.toString(expected.dims()), actual.shape().toString(), run + " " + what + " shape");
            for (int i = 0; i < actual.size(); i++) {
                double a = actual.getFlat(i);
                double e = expected.values()[i];
                double d = Math.abs(a - e);
                elements++;
                if (Double.doubleToLongBits(a) != Double.doubleToLongBits(e)) {
                    notBitIdentical++;
                }
                maxAbs = Math.max(maxAbs, d);
                if (e != 0) {
                    maxRel = Math.max(maxRel, d / Math.abs(e));
                }
                if (!(d <= atol + rtol * Math.abs(e)) && firstFailure == null) {
                    firstFailure = run + " " + what + " element " + i + ": " + a + " (expected: " + e + ", torch)";
                }
            }
        }

        String summary() {
            return String.format("%-28s max |diff| %.3g, max rel %.3g, %d of %d values not bit-identical",
                    run, maxAbs, maxRel, notBitIdentical, elements);
        }

        void assertWithinTolerance() {
            if (firstFailure != null) {
                fail(firstFailure + "; " + summary());
            }
        }
    }
}
