package dev.chainrule.autodiff;

import static dev.chainrule.autodiff.ops.Functional.crossEntropy;
import static dev.chainrule.autodiff.ops.Functional.logSoftmax;
import static dev.chainrule.autodiff.ops.Functional.mean;
import static dev.chainrule.autodiff.ops.Functional.mse;
import static dev.chainrule.autodiff.ops.Functional.softmax;
import static dev.chainrule.autodiff.ops.Ops.abs;
import static dev.chainrule.autodiff.ops.Ops.add;
import static dev.chainrule.autodiff.ops.Ops.cos;
import static dev.chainrule.autodiff.ops.Ops.div;
import static dev.chainrule.autodiff.ops.Ops.exp;
import static dev.chainrule.autodiff.ops.Ops.log;
import static dev.chainrule.autodiff.ops.Ops.matmul;
import static dev.chainrule.autodiff.ops.Ops.max;
import static dev.chainrule.autodiff.ops.Ops.mul;
import static dev.chainrule.autodiff.ops.Ops.neg;
import static dev.chainrule.autodiff.ops.Ops.pow;
import static dev.chainrule.autodiff.ops.Ops.relu;
import static dev.chainrule.autodiff.ops.Ops.reshape;
import static dev.chainrule.autodiff.ops.Ops.sigmoid;
import static dev.chainrule.autodiff.ops.Ops.sin;
import static dev.chainrule.autodiff.ops.Ops.sqrt;
import static dev.chainrule.autodiff.ops.Ops.sub;
import static dev.chainrule.autodiff.ops.Ops.sum;
import static dev.chainrule.autodiff.ops.Ops.tan;
import static dev.chainrule.autodiff.ops.Ops.tanh;
import static dev.chainrule.autodiff.ops.Ops.transpose;
import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.chainrule.autodiff.OracleFixtures.Array;
import dev.chainrule.autodiff.OracleFixtures.Fixture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Compares the engine's values and gradients, in float64, with PyTorch's, recorded as fixtures by
 * {@code tools/oracle/make_fixtures.py} (see {@link OracleFixtures} for the format). For each case
 * the same expression is built here from the fixture's named inputs; the loss is the output itself
 * when it is a scalar, sum(f ⊙ w) with the fixture's weight w otherwise. Every element must agree
 * within |actual − expected| ≤ 1e-12·max(1, |expected|).
 */
class OracleFixtureTest {
    private static final double TOLERANCE = 1e-12;
    private static final int MAX_REPORTED = 20;

    /** Builds a case's output f from its named inputs, with the engine's ops. */
    @FunctionalInterface
    private interface Expression {
        Tensor build(Inputs in);
    }

    /** One expression per fixture case, mirroring the PyTorch code in make_fixtures.py. */
    private static final Map<String, Expression> EXPRESSIONS = Map.ofEntries(
            // primitive ops
            entry("add", in -> add(in.t("a"), in.t("b"))),
            entry("sub", in -> sub(in.t("a"), in.t("b"))),
            entry("mul", in -> mul(in.t("a"), in.t("b"))),
            entry("div", in -> div(in.t("a"), in.t("b"))),
            entry("neg", in -> neg(in.t("x"))),
            entry("pow_scalar", in -> pow(in.t("x"), in.number("p"))),
            entry("pow_scalar_integer", in -> pow(in.t("x"), in.number("p"))),
            entry("pow_tensor", in -> pow(in.t("a"), in.t("b"))),
            entry("exp", in -> exp(in.t("x"))),
            entry("log", in -> log(in.t("x"))),
            entry("sqrt", in -> sqrt(in.t("x"))),
            entry("abs", in -> abs(in.t("x"))),
            entry("sin", in -> sin(in.t("x"))),
            entry("cos", in -> cos(in.t("x"))),
            entry("tan", in -> tan(in.t("x"))),
            entry("tanh", in -> tanh(in.t("x"))),
            entry("sigmoid", in -> sigmoid(in.t("x"))),
            entry("relu", in -> relu(in.t("x"))),
            entry("matmul", in -> matmul(in.t("a"), in.t("b"))),
            entry("transpose", in -> transpose(in.t("x"))),
            entry("reshape", in -> reshape(in.t("x"), 2, 6)),
            entry("sum_all", in -> sum(in.t("x"))),
            entry("sum_axis0", in -> sum(in.t("x"), 0, false)),
            entry("sum_axis0_keepdim", in -> sum(in.t("x"), 0, true)),
            entry("sum_axis1", in -> sum(in.t("x"), 1, false)),
            entry("sum_axis1_keepdim", in -> sum(in.t("x"), 1, true)),
            entry("mean_all", in -> mean(in.t("x"))),
            entry("mean_axis0", in -> mean(in.t("x"), 0, false)),
            entry("mean_axis1_keepdim", in -> mean(in.t("x"), 1, true)),
            entry("max_axis0", in -> max(in.t("x"), 0, false)),
            entry("max_axis1", in -> max(in.t("x"), 1, false)),
            entry("max_axis1_keepdim", in -> max(in.t("x"), 1, true)),
            // broadcasting
            entry("add_row_bias", in -> add(in.t("x"), in.t("b"))),
            entry("mul_column", in -> mul(in.t("x"), in.t("c"))),
            entry("add_scalar", in -> add(in.t("x"), in.t("s"))),
            entry("sub_both_broadcast", in -> sub(in.t("a"), in.t("b"))),
            // composites and losses
            entry("softmax", in -> softmax(in.t("x"))),
            entry("log_softmax", in -> logSoftmax(in.t("x"))),
            entry("cross_entropy", in -> crossEntropy(in.t("logits"), in.labels("labels"))),
            entry("cross_entropy_large_logits", in -> crossEntropy(in.t("logits"), in.labels("labels"))),
            entry("mse", in -> mse(in.t("prediction"), in.t("target"))),
            // compositions
            entry("self_mul", in -> mul(in.t("x"), in.t("x"))),
            entry("shared_subexpression", in -> {
                Tensor h = tanh(in.t("x"));
                return add(mul(h, exp(h)), h);
            }),
            entry("x_sin_x_plus_exp_over_x", in -> {
                Tensor x = in.t("x");
                return add(mul(x, sin(x)), div(exp(x), x));
            }),
            entry("matmul_shared_weight", in -> matmul(matmul(in.t("x"), in.t("W")), in.t("W"))),
            // x[8×5] → Linear(5,4) → activation → Linear(4,3) → cross-entropy
            entry("mlp_tanh", in -> mlp(in, t -> tanh(t))),
            entry("mlp_relu", in -> mlp(in, t -> relu(t))),
            entry("mlp_sigmoid", in -> mlp(in, t -> sigmoid(t))));

    @TestFactory
    Stream<DynamicTest> valuesAndGradientsMatchPyTorch() {
        List<String> cases = OracleFixtures.caseNames();
        assertTrue(!cases.isEmpty(), "no fixtures in test resources '" + OracleFixtures.FOLDER
                + "/'; run /usr/bin/python3 tools/oracle/make_fixtures.py");
        return cases.stream().map(name -> dynamicTest(name, () -> check(name)));
    }

    @Test
    void everyExpressionHasAFixture() {
        Set<String> missing = new TreeSet<>(EXPRESSIONS.keySet());
        missing.removeAll(OracleFixtures.caseNames());
        assertTrue(missing.isEmpty(), "Java expressions without a fixture in '" + OracleFixtures.FOLDER + "/': " + missing
                + " (add the case to tools/oracle/make_fixtures.py and rerun it)");
    }

    private static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return add(matmul(x, transpose(weight)), bias);
    }

    private static Tensor mlp(Inputs in, UnaryOperator<Tensor> activation) {
        Tensor hidden = activation.apply(linear(in.t("x"), in.t("W1"), in.t("b1")));
        return crossEntropy(linear(hidden, in.t("W2"), in.t("b2")), in.labels("labels"));
    }

    private static void check(String name) {
        Fixture fixture = OracleFixtures.load(name);
        assertEquals(name, fixture.name(), "the 'case' record of " + name + ".txt");
        Expression expression = EXPRESSIONS.get(name);
        if (expression == null) {
            fail("fixture case '" + name + "' has no Java expression in OracleFixtureTest.EXPRESSIONS");
        }
        Inputs in = new Inputs(fixture);
        Tensor f = expression.build(in);
        List<String> mismatches = new ArrayList<>();
        if (!in.unused().isEmpty()) {
            mismatches.add("the Java expression does not use fixture inputs " + in.unused());
        }
        compare("output", fixture.output(), f, mismatches);

        Tensor loss;
        if (fixture.weight() == null) {
            assertEquals(1, f.size(), "case '" + name + "': output " + f.shape() + " is not a scalar and the fixture has no weight");
            loss = f;
        } else {
            loss = sum(mul(f, fixture.weight().toTensor()));
        }
        loss.backward();

        for (String input : fixture.inputs().keySet()) {
            Array expected = fixture.grads().get(input);
            Tensor actual = in.tensors.get(input).grad();
            if (expected == null) {
                mismatches.add("the fixture has no gradient for input '" + input + "'");
            } else if (actual == null) {
                mismatches.add("gradient of '" + input + "': the engine computed none");
            } else {
                compare("gradient of '" + input + "'", expected, actual, mismatches);
            }
        }
        Set<String> stray = new TreeSet<>(fixture.grads().keySet());
        stray.removeAll(fixture.inputs().keySet());
        if (!stray.isEmpty()) {
            mismatches.add("the fixture has gradients for names that are not inputs: " + stray);
        }
        if (!mismatches.isEmpty()) {
            int shown = Math.min(MAX_REPORTED, mismatches.size());
            String more = mismatches.size() > shown ? "\n  ... and " + (mismatches.size() - shown) + " more" : "";
            fail("case '" + name + "': " + mismatches.size() + " mismatch(es) against PyTorch\n  "
                    + String.join("\n  ", mismatches.subList(0, shown)) + more);
        }
    }

    /** Adds one message per element outside the tolerance (or one for a shape difference). */
    private static void compare(String what, Array expected, Tensor actual, List<String> mismatches) {
        Shape shape = Shape.of(expected.dims());
        if (!actual.shape().equals(shape)) {
            mismatches.add(what + ": shape " + actual.shape() + " (expected: " + shape + ")");
            return;
        }
        for (int i = 0; i < shape.size(); i++) {
            double e = expected.values()[i];
            double a = actual.getFlat(i);
            double tolerance = TOLERANCE * Math.max(1, Math.abs(e));
            if (!(Math.abs(a - e) <= tolerance)) {
                mismatches.add(what + ", element " + i + " " + Arrays.toString(multiIndex(shape, i)) + ": expected " + e
                        + ", actual " + a + ", |difference| " + Math.abs(a - e) + " > " + tolerance);
            }
        }
    }

    private static int[] multiIndex(Shape shape, int flat) {
        int[] dims = shape.dims();
        int[] index = new int[dims.length];
        for (int axis = dims.length - 1; axis >= 0; axis--) {
            index[axis] = flat % dims[axis];
            flat /= dims[axis];
        }
        return index;
    }

    /** A case's inputs as tensors (named; those that require grad marked so), and which ones were used. */
    private static final class Inputs {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        final Map<String, int[]> labels;
        final Set<String> unused = new LinkedHashSet<>();

        Inputs(Fixture fixture) {
            fixture.inputs().forEach((name, a) -> tensors.put(name, a.toTensor().named(name).requiresGrad(true)));
            fixture.constants().forEach((name, a) -> tensors.put(name, a.toTensor().named(name)));
            labels = fixture.labels();
            unused.addAll(tensors.keySet());
            unused.addAll(labels.keySet());
        }

        /** The input or constant tensor called {@code name}. */
        Tensor t(String name) {
            return use(tensors, name);
        }

        /** The rank-0 constant called {@code name}, as a number. */
        double number(String name) {
            Tensor t = use(tensors, name);
            if (t.rank() != 0 || t.requiresGrad()) {
                throw new IllegalArgumentException("'" + name + "' is " + t.describe() + " (expected: a rank-0 const)");
            }
            return t.item();
        }

        /** The integer labels called {@code name}. */
        int[] labels(String name) {
            return use(labels, name).clone();
        }

        Set<String> unused() {
            return unused;
        }

        private <V> V use(Map<String, V> map, String name) {
            V value = map.get(name);
            if (value == null) {
                throw new IllegalArgumentException("the fixture has no input called '" + name + "' of that kind (it has "
                        + tensors.keySet() + " and labels " + labels.keySet() + ")");
            }
            unused.remove(name);
            return value;
        }
    }
}
