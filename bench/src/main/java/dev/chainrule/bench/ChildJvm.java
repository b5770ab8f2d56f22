package dev.chainrule.bench;

import java.util.Arrays;
import java.util.List;

/** How the benchmarks start the JVMs they measure: the launcher of this JVM, with the user's JVM options. */
final class ChildJvm {
    private ChildJvm() {
    }

    /** The {@code java} launcher this JVM was started with, or the one of its {@code java.home}. */
    static String launcher() {
        return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    }

    /** The JVM options in {@code $CHAINRULE_JAVA_OPTS}, split at whitespace, as {@code ./chainrule} passes them; none when unset. */
    static List<String> userOptions() {
        String options = System.getenv().getOrDefault("CHAINRULE_JAVA_OPTS", "").trim();
        return options.isEmpty() ? List.of() : Arrays.asList(options.split("\\s+"));
    }
}
