package dev.chainrule.autodiff.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.ForwardMode;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forward mode agrees with reverse mode: for tangents v on the inputs, w·(J·v) from one forward pass
 * equals Σ v·∇(w·f) from one backward pass.
 */
class ForwardModeTest {

    static List<OpCase> cases() {
        return OpCase.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyOpsJvpMatchesReverseMode(OpCase c) {
        assertDirectionalDerivativesAgree(c.f(), c.inputs(), 77);
    }

    static Stream<Integer> seeds() {
        return IntStream.range(0, 40).boxed();
    }

    @ParameterizedTest(name = "random composition {0}")
    @MethodSource("seeds")
    void randomCompositionsAgreeWithReverseMode(int seed) {
        List<Tensor> inputs = OpCase.inputs(OpCase.uniform(1000 + seed, -1, 1, 3, 4), OpCase.uniform(2000 + seed, -1, 1, 3, 4));
        assertDirectionalDerivativesAgree(in -> RandomComposition.build(seed, in), inputs, seed);
    }

    @Test
    void tangentsOnlyFlowFromDualInputs() {
        Tensor x = ForwardMode.dual(Tensor.scalar(2.0), Tensor.scalar(1.0));
        Tensor y = Tensor.scalar(3.0);
        assertEquals(3.0, Ops.mul(x, y).tangent().item());
        assertNull(Ops.exp(y).tangent());
        assertEquals(0.0, ForwardMode.tangentOf(Ops.exp(y)).item());
    }

    private static void assertDirectionalDerivativesAgree(Function<List<Tensor>, Tensor> f, List<Tensor> inputs, long seed) {
        Tensor w = null;
        List<Tensor> tangents = new ArrayList<>();
        List<Tensor> duals = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor v = OpCase.uniform(seed * 31 + i, -1, 1, inputs.get(i).shape().dims());
            tangents.add(v);
            duals.add(ForwardMode.dual(inputs.get(i), v));
        }
        Tensor forward = f.apply(duals);
        w = OpCase.uniform(seed * 17 + 5, 0.5, 1.5, forward.shape().dims());
        double forwardValue = dot(w, ForwardMode.tangentOf(forward));

        List<Tensor> leaves = new ArrayList<>();
        for (Tensor t : inputs) {
            leaves.add(t.copy().requiresGrad(true));
        }
        Ops.sum(Ops.mul(f.apply(leaves), w)).backward();
        double reverseValue = 0;
        for (int i = 0; i < leaves.size(); i++) {
            Tensor g = leaves.get(i).grad() == null ? Tensor.zeros(DType.FLOAT64, leaves.get(i).shape()) : leaves.get(i).grad();
            reverseValue += dot(tangents.get(i), g);
        }
        assertEquals(reverseValue, forwardValue, 1e-10 * Math.max(1, Math.abs(reverseValue)));
    }

    private static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += a.getFlat(i) * b.getFlat(i);
        }
        return s;
    }

    /** A random, shape-preserving composition of ops over two [3×4] inputs, reproducible from a seed. */
    static final class RandomComposition {
        private static final List<Function<Tensor, Tensor>> UNARY = List.of(
                Ops::sin, Ops::cos, Ops::tanh, Ops::sigmoid, Ops::neg,
                x -> Ops.exp(Ops.tanh(x)),
                x -> Ops.log(Ops.add(Ops.constant(1, x), Ops.mul(x, x))),
                x -> Ops.sqrt(Ops.add(Ops.constant(1, x), Ops.mul(x, x))),
                x -> Ops.pow(x, 3),
                Functional::softmax,
                Functional::logSoftmax);
        private static final List<BinaryOperator<Tensor>> BINARY = List.of(
                Ops::add, Ops::sub, Ops::mul,
                (a, b) -> Ops.div(a, Ops.add(Ops.constant(1, b), Ops.mul(b, b))),
                (a, b) -> Ops.add(a, Ops.sum(b, 1, true)),
                (a, b) -> Ops.mul(a, Ops.max(b, 0, true)),
                (a, b) -> Ops.matmul(Ops.matmul(a, Ops.transpose(b)), b),
                (a, b) -> Ops.pow(Ops.add(Ops.constant(1.5, a), Ops.tanh(a)), Ops.tanh(b)));

        static Tensor build(int seed, List<Tensor> inputs) {
            SplittableRandom random = new SplittableRandom(seed);
            List<Tensor> pool = new ArrayList<>(inputs);
            int steps = 3 + random.nextInt(6);
            for (int s = 0; s < steps; s++) {
                Tensor a = pool.get(random.nextInt(pool.size()));
                if (random.nextBoolean()) {
                    pool.add(UNARY.get(random.nextInt(UNARY.size())).apply(a));
                } else {
                    Tensor b = pool.get(random.nextInt(pool.size()));
                    pool.add(BINARY.get(random.nextInt(BINARY.size())).apply(a, b));
                }
            }
            return Ops.add(pool.get(pool.size() - 1), pool.get(pool.size() - 2));
        }
    }
}
