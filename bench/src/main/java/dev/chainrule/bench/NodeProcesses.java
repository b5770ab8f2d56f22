package dev.chainrule.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The processes of one run on the emulated cluster, each with its output in a log file of its own.
 * Lifecycle: {@link #start} each, then {@link #awaitAll} (or poll {@link #anyFailed}), then
 * {@link #close}, which kills whatever still runs. Called from one thread.
 */
final class NodeProcesses implements AutoCloseable {
    private final Path logDir;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Path> logs = new LinkedHashMap<>();

    /** Processes whose logs go to {@code logDir}. */
    NodeProcesses(Path logDir) {
        this.logDir = logDir;
    }

    /** Starts {@code command} as {@code name} (unique in this run), with {@code environment} added to this JVM's. */
    void start(String name, List<String> command, Map<String, String> environment) throws IOException {
        if (processes.containsKey(name)) {
            throw new IllegalArgumentException("a process named " + name + " runs already");
        }
        Path log = Files.createTempFile(logDir, name + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        logs.put(name, log);
        processes.put(name, builder.start());
    }

    /** The first process that ended with a non-zero status, or null. */
    String anyFailed() {
        for (Map.Entry<String, Process> e : processes.entrySet()) {
            if (!e.getValue().isAlive() && e.getValue().exitValue() != 0) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Whether {@code name} has ended. */
    boolean ended(String name) {
        return !process(name).isAlive();
    }

    /** Waits until every process has ended, up to {@code deadlineNanos} ({@link System#nanoTime()}); fails on a timeout or a non-zero status. */
    void awaitAll(long deadlineNanos) throws InterruptedException {
        for (Map.Entry<String, Process> e : processes.entrySet()) {
            long left = Math.max(0, deadlineNanos - System.nanoTime());
            if (!e.getValue().waitFor(left, TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException(e.getKey() + " did not finish in time; " + tail(e.getKey()));
            }
            if (e.getValue().exitValue() != 0) {
                throw failure(e.getKey());
            }
        }
    }

    /** The error for a process that ended with a non-zero status, with the end of its log. */
    IllegalStateException failure(String name) {
        return new IllegalStateException(name + " exited with status " + process(name).exitValue() + "; " + tail(name));
    }

    /** The whole log of {@code name}. */
    String log(String name) throws IOException {
        return Files.readString(logs.get(name), StandardCharsets.UTF_8);
    }

    /** The last lines of {@code name}'s log and where the whole log is. */
    String tail(String name) {
        try {
            List<String> lines = Files.readAllLines(logs.get(name), StandardCharsets.UTF_8);
            return "the end of its log " + logs.get(name) + ":\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15),
                    lines.size()));
        } catch (IOException e) {
            return "its log " + logs.get(name) + " cannot be read: " + e.getMessage();
        }
    }

    private Process process(String name) {
        Process process = processes.get(name);
        if (process == null) {
            throw new IllegalArgumentException("no process named " + name + " (has: " + processes.keySet() + ")");
        }
        return process;
    }

    /** Kills every process that still runs, with its descendants, and waits up to 10 s for each. */
    @Override
    public void close() throws InterruptedException {
        List<Process> alive = new ArrayList<>();
        for (Process p : processes.values()) {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                alive.add(p);
            }
        }
        for (Process p : alive) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
