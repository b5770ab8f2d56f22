package dev.chainrule.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Tensor;
import org.junit.jupiter.api.Test;

class ActivationTest {

    @Test
    void parsesNamesCaseInsensitivelyAndTrimmed() {
        assertSame(Activation.RELU, Activation.parse("relu"));
        assertSame(Activation.SIGMOID, Activation.parse("Sigmoid"));
        assertSame(Activation.TANH, Activation.parse(" TANH "));
    }

    @Test
    void printsAsTheNameItParsesFrom() {
        for (Activation a : Activation.values()) {
            assertSame(a, Activation.parse(a.toString()));
            assertEquals(a.name().toLowerCase(java.util.Locale.ROOT), a.toString());
        }
    }

    @Test
    void unknownNameIsQuotedAndTheValidOnesListed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activation.parse("softmax"));
        assertEquals("unknown activation 'softmax' (expected one of [relu, sigmoid, tanh])", e.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> Activation.parse(""));
        assertTrue(empty.getMessage().startsWith("unknown activation ''"), empty.getMessage());
    }

    @Test
    void eachActivationUsesTheInitialisationThatSuitsIt() {
        assertSame(Initialization.HE_NORMAL, Activation.RELU.initialization());
        assertSame(Initialization.XAVIER_UNIFORM, Activation.SIGMOID.initialization());
        assertSame(Initialization.XAVIER_UNIFORM, Activation.TANH.initialization());
    }

    @Test
    void appliesTheFunctionElementwise() {
        double[] x = {-2, -0.5, 0, 0.5, 3};
        Tensor t = Tensor.of(x, 5);
        double[] relu = Activation.RELU.apply(t).toDoubleArray();
        double[] sigmoid = Activation.SIGMOID.apply(t).toDoubleArray();
        double[] tanh = Activation.TANH.apply(t).toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            assertEquals(Math.max(x[i], 0), relu[i], 0);
            assertEquals(1 / (1 + Math.exp(-x[i])), sigmoid[i], 1e-15);
            assertEquals(Math.tanh(x[i]), tanh[i], 1e-15);
        }
        assertArrayEquals(new int[] {5}, Activation.TANH.apply(t).shape().dims());
    }
}
