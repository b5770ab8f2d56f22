package dev.chainrule.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompareOptionsTest {

    @Test
    void noArgumentsGiveTheIssueConfigurations() {
        CompareOptions o = CompareOptions.parse();
        assertEquals(List.of(256, 512, 1024, 2048), o.sizes());
        assertEquals(List.of(32, 128, 512), o.batches());
        assertEquals(List.of(1, 2), o.threads());
        assertEquals("fashion-mnist", o.data());
    }

    @Test
    void quickShortensTheRunAndLaterOptionsOverrideIt() {
        CompareOptions o = CompareOptions.parse("--quick", "--rounds", "4", "--batches", "64,256", "--data", "random");
        assertEquals(4, o.rounds());
        assertTrue(o.mlpWindow() < CompareOptions.defaults().mlpWindow());
        assertEquals(List.of(64, 256), o.batches());
        assertEquals("random", o.data());
    }

    @Test
    void badArgumentsAreRejectedWithWhatWasExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CompareOptions.parse("--threads", "2"));
        assertTrue(e.getMessage().contains("including 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CompareOptions.parse("--rounds"));
        assertThrows(IllegalArgumentException.class, () -> CompareOptions.parse("--rounds", "many"));
        assertThrows(IllegalArgumentException.class, () -> CompareOptions.parse("--data", "mnist"));
        assertThrows(IllegalArgumentException.class, () -> CompareOptions.parse("--fast"));
    }
}
