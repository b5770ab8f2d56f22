package dev.chainrule.autodiff.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The instruction-set flags the operating system reports for this machine's CPU ({@code /proc/cpuinfo} on Linux). */
final class CpuFeatures {
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    private CpuFeatures() {
    }

    /** Those of {@code wanted} that this CPU lacks; all of them when the flags cannot be read (not Linux, or not x86-64). */
    static List<String> missing(String... wanted) {
        Set<String> flags = flags();
        List<String> missing = new ArrayList<>();
        for (String flag : wanted) {
            if (!flags.contains(flag)) {
                missing.add(flag);
            }
        }
        return missing;
    }

    /** The first {@code flags} line of {@code /proc/cpuinfo} as a set; empty when there is none. */
    static Set<String> flags() {
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return Set.of();
        }
        try (var lines = Files.lines(CPUINFO)) {
            return lines.filter(line -> line.startsWith("flags"))
                    .findFirst()
                    .map(line -> new HashSet<>(Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))))
                    .map(Set::copyOf)
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }
}
