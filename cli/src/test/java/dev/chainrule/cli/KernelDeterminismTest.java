package dev.chainrule.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.kernels.Kernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bytes of a run do not depend on which of OpenBLAS's kernels this CPU would pick: each run here
 * is a separate JVM started with {@code OPENBLAS_CORETYPE} set to one of the core types this CPU can
 * execute, as the machines of a mixed cluster would pick them for themselves, on Fashion-MNIST.
 */
class KernelDeterminismTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final Pattern LISTENING = Pattern.compile("coordinator listening on 127\\.0\\.0\\.1:(\\d+); .*");
    /** A model wide enough that the kernels' different blockings and vector widths show in the bits. */
    private static final List<String> RUN = List.of("--model", "784-96-10", "--batch", "64", "--steps", "12", "--optimizer", "sgd",
            "--lr", "0.05");

    @TempDir
    Path dir;

    @Test
    void trainUnderEveryCoreTypeThisCpuRunsWritesTheSameBytes() throws Exception {
        Map<String, byte[]> weights = new LinkedHashMap<>();
        for (String core : runnableCores()) {
            weights.put(core, train(core, "portable", 1));
        }
        weights.put("unset", train(null, "portable", 1));
        byte[] reference = weights.get("Haswell");
        weights.forEach((core, bytes) -> assertArrayEquals(reference, bytes, "OPENBLAS_CORETYPE=" + core));
    }

    @Test
    void theNativeKernelsOfTwoCoreTypesDoDifferSoTheSameBytesAboveAreTheirPortableOnes() throws Exception {
        Set<String> flags = cpuFlags();
        if (!flags.containsAll(List.of("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"))) {
            // on a CPU without AVX-512 only AVX2 kernels run, and they compute the portable bits
            assertFalse(runnableCores().contains("SkylakeX"));
            return;
        }
        assertFalse(Arrays.equals(train("SkylakeX", "native", 1), train("Haswell", "native", 1)),
                "SkylakeX and Haswell kernels wrote the same bytes: this test's model is too small to tell kernels apart");
    }

    @Test
    void workersForcedToOtherCoreTypesGiveTheBytesOfTheSingleProcessRunAndANativeWorkerIsRefused() throws Exception {
        byte[] local = train(null, "portable", 2);
        Path weights = dir.resolve("distributed.safetensors");
        List<String> coordinator = new ArrayList<>(List.of("coordinator", "--bind", "127.0.0.1", "--port", "0", "--workers", "2",
                "--worker-wait", "120s", "--save", weights.toString()));
        coordinator.addAll(RUN);
        try (ChainruleProcess server = ChainruleProcess.start(coordinator.toArray(new String[0]))) {
            String address = "127.0.0.1:" + server.awaitOut(LISTENING, WAIT).group(1);
            try (ChainruleProcess nativeWorker = worker(address, "native", nativeCore(), "native")) {
                assertEquals(1, nativeWorker.awaitExit(WAIT), nativeWorker.transcript());
                String expected = "computes with 'OpenBLAS " + version() + " " + nativeCore() + "' but this run computes with "
                        + Kernels.PORTABLE + " (the portable kernel mode)";
                assertTrue(nativeWorker.transcript().contains(expected), expected + "\n" + nativeWorker.transcript());
            }
            try (ChainruleProcess first = worker(address, "skylakex", "SkylakeX", "portable");
                    ChainruleProcess second = worker(address, "sandybridge", "Sandybridge", "portable")) {
                assertEquals(0, server.awaitExit(WAIT), server.transcript());
                assertEquals(0, first.awaitExit(WAIT), first.transcript());
                assertEquals(0, second.awaitExit(WAIT), second.transcript());
            }
        }
        assertArrayEquals(local, Files.readAllBytes(weights));
    }

    /** The weights {@code train} writes in a JVM whose OPENBLAS_CORETYPE is {@code core} (unset when null). */
    private byte[] train(String core, String kernel, int shards) throws IOException, InterruptedException {
        Path weights = dir.resolve("train-" + core + "-" + kernel + "-" + shards + ".safetensors");
        List<String> args = new ArrayList<>(List.of("train", "--kernel", kernel, "--shards", String.valueOf(shards), "--save",
                weights.toString()));
        args.addAll(RUN);
        try (ChainruleProcess run = ChainruleProcess.startWith(environment(core), args.toArray(new String[0]))) {
            assertEquals(0, run.awaitExit(WAIT), run.transcript());
            String expectedKernel = "kernel OpenBLAS " + version() + " " + (kernel.equals("portable") ? "Haswell" : core);
            assertTrue(run.out().contains(expectedKernel), expectedKernel + "\n" + run.transcript());
        }
        return Files.readAllBytes(weights);
    }

    private ChainruleProcess worker(String address, String name, String core, String kernel) throws IOException {
        return ChainruleProcess.startWith(environment(core), "worker", "--coordinator", address, "--name", name, "--kernel", kernel,
                "--connect-timeout", "60s", "--reconnect-timeout", "1s");
    }

    private static Map<String, String> environment(String core) {
        return core == null ? Map.of() : Map.of("OPENBLAS_CORETYPE", core);
    }

    /** A core type other than the portable one that this CPU runs: SkylakeX where it has AVX-512, else Sandybridge (AVX). */
    private static String nativeCore() throws IOException {
        return runnableCores().contains("SkylakeX") ? "SkylakeX" : "Sandybridge";
    }

    private static String version() {
        return Kernels.PORTABLE.split(" ")[1];
    }

    /** The OpenBLAS core types whose instructions this CPU has, the portable Haswell first. */
    private static List<String> runnableCores() throws IOException {
        Set<String> flags = cpuFlags();
        List<String> cores = new ArrayList<>();
        Map<String, List<String>> needs = new LinkedHashMap<>();
        needs.put("Haswell", List.of("avx2", "fma"));
        needs.put("Zen", List.of("avx2", "fma"));
        needs.put("SkylakeX", List.of("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"));
        needs.put("Cooperlake", List.of("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx512_bf16"));
        needs.put("Sandybridge", List.of("avx"));
        needs.put("Nehalem", List.of("sse4_2"));
        needs.forEach((core, wanted) -> {
            if (flags.containsAll(wanted)) {
                cores.add(core);
            }
        });
        assertTrue(cores.contains("Haswell"), "this CPU cannot run the portable kernel; flags: " + flags);
        return cores;
    }

    private static Set<String> cpuFlags() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("flags")) {
                return Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
            }
        }
        return Set.of();
    }
}
