package dev.chainrule.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelSpecTest {

    @Test
    void parsesWidthsIntoLayers() {
        ModelSpec spec = ModelSpec.parse("784-256-128-10");
        assertEquals(3, spec.layers());
        assertEquals(784, spec.inputs());
        assertEquals(10, spec.outputs());
        assertEquals(784, spec.inputWidth(0));
        assertEquals(256, spec.outputWidth(0));
        assertEquals(256, spec.inputWidth(1));
        assertEquals(128, spec.outputWidth(1));
        assertEquals(128, spec.inputWidth(2));
        assertEquals(10, spec.outputWidth(2));
        assertEquals("784-256-128-10", spec.toString());
    }

    @Test
    void aSingleLayerNeedsTwoWidths() {
        ModelSpec spec = ModelSpec.parse("4-3");
        assertEquals(1, spec.layers());
        assertEquals(4, spec.inputs());
        assertEquals(3, spec.outputs());
        assertEquals(4 * 3 + 3, spec.parameterCount());
    }

    @Test
    void parameterCountAddsWeightsAndBiasesOfEveryLayer() {
        assertEquals(784L * 256 + 256 + 256L * 128 + 128 + 128L * 10 + 10, ModelSpec.parse("784-256-128-10").parameterCount());
        assertEquals(235_146, ModelSpec.parse("784-256-128-10").parameterCount());
        // large enough to overflow an int: counted in long
        assertEquals(50_000L * 50_000 + 50_000 + 50_000L * 2 + 2, ModelSpec.parse("50000-50000-2").parameterCount());
    }

    @Test
    void spacesAroundWidthsAreTrimmed() {
        ModelSpec spec = ModelSpec.parse(" 4 - 8 -3 ");
        assertEquals(ModelSpec.of(4, 8, 3), spec);
        assertEquals("4-8-3", spec.toString());
    }

    @Test
    void ofEqualsParseAndHashesConsistently() {
        assertEquals(ModelSpec.parse("4-8-3"), ModelSpec.of(4, 8, 3));
        assertEquals(ModelSpec.parse("4-8-3").hashCode(), ModelSpec.of(4, 8, 3).hashCode());
        assertNotEquals(ModelSpec.parse("4-8-3"), ModelSpec.parse("4-3-8"));
    }

    @Test
    void aNonNumericPartIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("784-x-10"));
        assertTrue(e.getMessage().contains("'784-x-10'"), e.getMessage());
        assertTrue(e.getMessage().contains("'x' is not a width"), e.getMessage());
    }

    @Test
    void anEmptyPartIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("784--10"));
        assertTrue(e.getMessage().contains("'' is not a width"), e.getMessage());
        IllegalArgumentException trailing = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("784-"));
        assertTrue(trailing.getMessage().contains("'' is not a width"), trailing.getMessage());
    }

    @Test
    void aWidthWithAnInnerSpaceIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("4-8 3"));
        assertTrue(e.getMessage().contains("'8 3' is not a width"), e.getMessage());
    }

    @Test
    void aSingleWidthIsNotAModel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("10"));
        assertTrue(e.getMessage().contains("'10'"), e.getMessage());
        assertTrue(e.getMessage().contains("at least an input and an output width"), e.getMessage());
        IllegalArgumentException spaced = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("784 10"));
        assertTrue(spaced.getMessage().contains("at least an input and an output width"), spaced.getMessage());
    }

    @Test
    void aZeroWidthIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("0-3"));
        assertTrue(e.getMessage().contains("'0-3'"), e.getMessage());
        assertTrue(e.getMessage().contains("width 0 (expected: > 0)"), e.getMessage());
        IllegalArgumentException hidden = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("4-0-3"));
        assertTrue(hidden.getMessage().contains("width 0"), hidden.getMessage());
    }

    @Test
    void ofRejectsNonPositiveWidthsNamingThem() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(4, 0, 3));
        assertTrue(zero.getMessage().contains("width 0"), zero.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(-1, 3));
        assertTrue(negative.getMessage().contains("-1"), negative.getMessage());
        assertTrue(negative.getMessage().contains("expected: > 0"), negative.getMessage());
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(5));
        assertTrue(one.getMessage().contains("at least an input and an output width"), one.getMessage());
    }
}
