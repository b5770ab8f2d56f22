package dev.chainrule.autodiff.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chainrule.autodiff.Autograd;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The float32 loops (OpenBLAS products, the ReLU kernels, the bias and column sums, the fused
 * cross-entropy) compute what the float64 path computes, to float32 precision: gradient checks run
 * in float64, so this ties the fast path to them.
 */
class Float32PathTest {

    @Test
    void aTwoLayerReluNetworkHasTheSameLossAndGradientsInBothTypes() {
        int[] labels = {3, 0, 2, 2, 1, 4, 0, 3, 1, 2, 4};
        List<Tensor> f32 = inputs(DType.FLOAT32);
        List<Tensor> f64 = inputs(DType.FLOAT64);
        Tensor loss32 = loss(f32, labels);
        Tensor loss64 = loss(f64, labels);
        assertEquals(loss64.item(), loss32.item(), 1e-5 * Math.abs(loss64.item()));
        List<Tensor> g32 = Autograd.grad(loss32, f32.subList(1, 5));
        List<Tensor> g64 = Autograd.grad(loss64, f64.subList(1, 5));
        for (int i = 0; i < g32.size(); i++) {
            double scale = 0;
            for (int j = 0; j < g64.get(i).size(); j++) {
                scale = Math.max(scale, Math.abs(g64.get(i).getFlat(j)));
            }
            for (int j = 0; j < g32.get(i).size(); j++) {
                assertEquals(g64.get(i).getFlat(j), g32.get(i).getFlat(j), 1e-5 * scale, "gradient " + i + " element " + j);
            }
        }
    }

    private static Tensor loss(List<Tensor> in, int[] labels) {
        Tensor hidden = Ops.relu(Ops.linear(in.get(0), in.get(1), in.get(2)));
        return Functional.crossEntropySum(Ops.linear(hidden, in.get(3), in.get(4)), labels);
    }

    /** x [11×37], w1 [29×37], b1 [29], w2 [5×29], b2 [5]: odd sizes, the same values in both types. */
    private static List<Tensor> inputs(DType dtype) {
        return List.of(
                Tensor.uniform(DType.FLOAT32, 1, -1, 1, 11, 37).to(dtype),
                Tensor.uniform(DType.FLOAT32, 2, -0.3, 0.3, 29, 37).to(dtype).requiresGrad(true),
                Tensor.uniform(DType.FLOAT32, 3, -0.1, 0.1, 29).to(dtype).requiresGrad(true),
                Tensor.uniform(DType.FLOAT32, 4, -0.3, 0.3, 5, 29).to(dtype).requiresGrad(true),
                Tensor.uniform(DType.FLOAT32, 5, -0.1, 0.1, 5).to(dtype).requiresGrad(true));
    }
}
