package dev.chainrule.autodiff.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.junit.jupiter.api.Test;

/** The portable kernel is what a process on an x86-64 CPU with AVX2 and FMA computes with by default. */
class KernelsTest {

    @Test
    void thisProcessComputesWithThePortableKernel() {
        assertEquals(List.of(), CpuFeatures.missing(OpenBlas.PORTABLE_FLAGS), "the build machines have AVX2 and FMA");
        assertEquals(KernelMode.PORTABLE, Kernels.mode());
        assertEquals(Kernels.PORTABLE, Kernels.active());
        assertTrue(Kernels.portable());
        assertEquals("", Kernels.whyNotPortable());
    }

    @Test
    void theNamedVersionIsTheBundledLibrarys() {
        Kernels.active();
        assertEquals("OpenBLAS " + OpenBlas.VERSION, openblas_nolapack.OPENBLAS_VERSION.trim());
    }

    @Test
    void theModeCannotChangeOnceTheLibraryHasLoaded() {
        Kernels.active();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Kernels.choose(KernelMode.NATIVE));
        assertEquals("the kernel mode is portable already: it is chosen before the first matrix product (asked for: native)",
                e.getMessage());
        Kernels.choose(KernelMode.PORTABLE);
    }

    @Test
    void processesThisOneStartsGetTheEnvironmentItWasStartedWith() throws Exception {
        Kernels.active();
        Process env = new ProcessBuilder("env").redirectErrorStream(true).start();
        String listed = new String(env.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(env.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        String own = System.getenv("OPENBLAS_CORETYPE");
        assertEquals(own != null, listed.contains("OPENBLAS_CORETYPE="), listed);
        if (own != null) {
            assertTrue(listed.contains("OPENBLAS_CORETYPE=" + own + "\n"), listed);
        }
    }

    @Test
    void modesParseAsTheCommandLineSpellsThem() {
        assertEquals(KernelMode.NATIVE, KernelMode.parse(" Native "));
        assertEquals("portable", KernelMode.PORTABLE.label());
        assertEquals("kernel 'fast' (expected: portable or native)",
                assertThrows(IllegalArgumentException.class, () -> KernelMode.parse("fast")).getMessage());
    }
}
