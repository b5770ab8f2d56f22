package dev.chainrule.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.chainrule.autodiff.ops.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Autograd#grad(Tensor, List, Autograd.GradientListener)}: each input's gradient, final, as soon as the pass finishes it. */
class GradientListenerTest {

    /** What the listener saw: the input positions in order, and a copy of each gradient as it was at that moment. */
    private static final class Recorder implements Autograd.GradientListener {
        final List<Integer> order = new ArrayList<>();
        final List<double[]> valuesThen = new ArrayList<>();
        final List<Tensor> tensors = new ArrayList<>();

        @Override
        public void ready(int input, Tensor gradient) {
            order.add(input);
            valuesThen.add(gradient.toDoubleArray());
            tensors.add(gradient);
        }
    }

    @Test
    void aTwoLayerNetworkHandsOverTheLastLayerFirstEachOnceAndFinal() {
        Random random = new Random(7);
        Tensor x = random(random, 5, 4);
        Tensor w1 = random(random, 3, 4).named("w1").requiresGrad(true);
        Tensor b1 = random(random, 3).named("b1").requiresGrad(true);
        Tensor w2 = random(random, 2, 3).named("w2").requiresGrad(true);
        Tensor b2 = random(random, 2).named("b2").requiresGrad(true);
        Tensor loss = Ops.sum(Ops.mul(Ops.linear(Ops.relu(Ops.linear(x, w1, b1)), w2, b2),
                Ops.linear(Ops.relu(Ops.linear(x, w1, b1)), w2, b2)));
        List<Tensor> inputs = List.of(w1, b1, w2, b2);
        Recorder recorder = new Recorder();

        List<Tensor> grads = Autograd.grad(loss, inputs, recorder);

        assertEquals(4, recorder.order.size(), "every input exactly once: " + recorder.order);
        assertEquals(List.of(2, 3, 0, 1), sortedWithinLayers(recorder.order), "the last layer's parameters come first");
        for (int i = 0; i < recorder.order.size(); i++) {
            int input = recorder.order.get(i);
            assertSame(grads.get(input), recorder.tensors.get(i), "the listener gets the returned gradient itself");
            assertArrayEquals(grads.get(input).toDoubleArray(), recorder.valuesThen.get(i),
                    "input " + input + " was final when handed over (its two uses both added)");
        }
    }

    @Test
    void aLeafUsedAtTwoDepthsIsHandedOverOnlyAfterItsLastUse() {
        // y = sin(x·a)·x: x is used by the first mul (visited last) and by the outer mul (visited first)
        Tensor x = Tensor.scalar(0.3).named("x").requiresGrad(true);
        Tensor a = Tensor.scalar(1.7).named("a").requiresGrad(true);
        Tensor y = Ops.mul(Ops.sin(Ops.mul(x, a)), x);
        Recorder recorder = new Recorder();

        List<Tensor> grads = Autograd.grad(y, List.of(x, a), recorder);

        double expected = Math.cos(0.51) * 1.7 * 0.3 + Math.sin(0.51);
        assertEquals(expected, grads.get(0).item(), 1e-15);
        int at = recorder.order.indexOf(0);
        assertEquals(expected, recorder.valuesThen.get(at)[0], 1e-15, "both paths were summed before x was handed over");
    }

    @Test
    void intermediateInputsAreHandedOverWhenVisitedAndUnusedInputsGetZerosAtTheEnd() {
        Tensor x = Tensor.of(new double[] {1, -2, 3}, 3).named("x").requiresGrad(true);
        Tensor unused = Tensor.of(new double[] {5, 6}, 2).named("unused").requiresGrad(true);
        Tensor h = Ops.mul(x, x);
        Tensor y = Ops.sum(Ops.sin(h));
        Recorder recorder = new Recorder();

        List<Tensor> grads = Autograd.grad(y, List.of(unused, x, h), recorder);

        assertEquals(List.of(2, 1, 0), recorder.order, "h (visited) before x (its leaf), the unused input last");
        assertArrayEquals(new double[] {0, 0}, recorder.valuesThen.get(2));
        assertArrayEquals(new double[] {Math.cos(1), Math.cos(4), Math.cos(9)}, recorder.valuesThen.get(0), 1e-15);
        assertArrayEquals(grads.get(1).toDoubleArray(), recorder.valuesThen.get(1));
    }

    /** The order with each layer's weight and bias put in position order, since the two finish at the same node. */
    private static List<Integer> sortedWithinLayers(List<Integer> order) {
        List<Integer> result = new ArrayList<>();
        for (int i = 0; i < order.size(); i += 2) {
            result.add(Math.min(order.get(i), order.get(i + 1)));
            result.add(Math.max(order.get(i), order.get(i + 1)));
        }
        return result;
    }

    private static Tensor random(Random random, int... dims) {
        Shape shape = Shape.of(dims);
        double[] values = new double[shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return Tensor.of(values, dims);
    }
}
