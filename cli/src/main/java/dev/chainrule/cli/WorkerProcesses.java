package dev.chainrule.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.concurrent.TimeUnit;

/**
 * Worker processes started on this machine for {@code train --workers N}: each runs
 * {@code chainrule worker} in its own JVM with this process's class path, and its output is copied,
 * line by line and prefixed with its name, to the given writer. Closing stops any still running.
 */
final class WorkerProcesses implements AutoCloseable {
    private static final Duration GRACE = Duration.ofSeconds(10);
    private final List<Process> processes = new ArrayList<>();
    private final List<Thread> pumps = new ArrayList<>();

    /** Starts {@code count} workers, each given {@code workerArgs} after {@code worker --name worker-i}. */
    static WorkerProcesses start(int count, List<String> workerArgs, PrintWriter log) throws IOException {
        return start(count, workerArgs, i -> List.of(), log);
    }

    /** As above, worker i (from 1) given {@code ownArgs.apply(i)} after those. */
    static WorkerProcesses start(int count, List<String> workerArgs, IntFunction<List<String>> ownArgs, PrintWriter log) throws IOException {
        WorkerProcesses workers = new WorkerProcesses();
        try {
            for (int i = 1; i <= count; i++) {
                String name = "worker-" + i;
                List<String> command = new ArrayList<>(List.of(javaExecutable()));
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "worker", "--name", name));
                command.addAll(workerArgs);
                command.addAll(ownArgs.apply(i));
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                workers.processes.add(process);
                workers.pumps.add(pump(process, name, log));
            }
        } catch (IOException | RuntimeException e) {
            workers.close();
            throw e;
        }
        return workers;
    }

    /** Waits up to the grace period for every worker to exit by itself, then kills the rest. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + GRACE.toNanos();
        for (Process p : processes) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly().waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        for (Thread t : pumps) {
            try {
                t.join(GRACE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Kills every worker at once (the run failed). */
    void kill() {
        processes.forEach(Process::destroyForcibly);
    }

    private static Thread pump(Process process, String name, PrintWriter log) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    synchronized (log) {
                        log.println("[" + name + "] " + line);
                        log.flush();
                    }
                }
            } catch (IOException e) {
                // the process ended; nothing more to copy
            }
        }, name + "-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    }
}
