package dev.chainrule.train.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Assertions that tensors and optimiser states are the same to the bit. */
final class Bits {
    private Bits() {
    }

    /** Same names, shapes and raw float bits, tensor by tensor. */
    static void assertSameTensors(List<Tensor> expected, List<Tensor> actual, String where) {
        assertEquals(expected.size(), actual.size(), where);
        for (int t = 0; t < expected.size(); t++) {
            Tensor e = expected.get(t);
            Tensor a = actual.get(t);
            assertEquals(e.name(), a.name(), where);
            assertEquals(e.shape(), a.shape(), where + " " + e.name());
            float[] ev = e.toFloatArray();
            float[] av = a.toFloatArray();
            for (int i = 0; i < ev.length; i++) {
                int index = i;
                assertEquals(Float.floatToRawIntBits(ev[i]), Float.floatToRawIntBits(av[i]),
                        () -> where + " " + e.name() + " element " + index + ": " + ev[index] + " vs " + av[index]);
            }
        }
    }

    /** Same kind, step count, buffer keys in the same order, and buffers of the same shapes and bits. */
    static void assertSameState(OptimizerState expected, OptimizerState actual, String where) {
        assertEquals(expected.kind(), actual.kind(), where);
        assertEquals(expected.stepCount(), actual.stepCount(), where);
        Map<String, Tensor> e = expected.buffers();
        Map<String, Tensor> a = actual.buffers();
        assertEquals(new ArrayList<>(e.keySet()), new ArrayList<>(a.keySet()), where + ": buffer keys in order");
        assertSameTensors(new ArrayList<>(e.values()), new ArrayList<>(a.values()), where);
    }
}
