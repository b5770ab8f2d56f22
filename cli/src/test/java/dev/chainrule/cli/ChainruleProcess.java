package dev.chainrule.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code chainrule} command in its own JVM: this JVM's java executable and the test class path,
 * main class {@link Main}. Its stdout and stderr are collected line by line on daemon threads. Every
 * wait is bounded; {@link #close} (try-with-resources) kills the process if it still runs.
 */
final class ChainruleProcess implements AutoCloseable {
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private final String description;
    private final Process process;
    private final Lines out;
    private final Lines err;

    private ChainruleProcess(String description, Process process) {
        this.description = description;
        this.process = process;
        this.out = new Lines(process.getInputStream(), "stdout of " + description);
        this.err = new Lines(process.getErrorStream(), "stderr of " + description);
    }

    /** Starts {@code chainrule args...}. */
    static ChainruleProcess start(String... args) throws IOException {
        return startWith(Map.of(), args);
    }

    /** Starts {@code chainrule args...} with {@code environment} added to this process's environment. */
    static ChainruleProcess startWith(Map<String, String> environment, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        String shown = environment.isEmpty() ? "" : environment + " ";
        return new ChainruleProcess(shown + "chainrule " + String.join(" ", args), builder.start());
    }

    /** The first stdout line matching {@code pattern}, waiting at most {@code timeout} for it; fails naming what was printed. */
    Matcher awaitOut(Pattern pattern, Duration timeout) throws InterruptedException {
        return await(out, "stdout", pattern, timeout);
    }

    /** The first stderr line matching {@code pattern}, waiting at most {@code timeout} for it; fails naming what was printed. */
    Matcher awaitErr(Pattern pattern, Duration timeout) throws InterruptedException {
        return await(err, "stderr", pattern, timeout);
    }

    /** Kills the process at once (SIGKILL on Linux, like kill -9) and waits (bounded) for it to end; returns its exit code. */
    int kill() throws InterruptedException {
        if (!process.destroyForcibly().waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(description + " still runs " + KILL_WAIT + " after it was killed");
        }
        return process.exitValue();
    }

    private Matcher await(Lines lines, String stream, Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            List<String> snapshot = lines.snapshot();
            for (; seen < snapshot.size(); seen++) {
                Matcher m = pattern.matcher(snapshot.get(seen));
                if (m.matches()) {
                    return m;
                }
            }
            if (!lines.awaitMore(seen, deadline)) {
                fail("no " + stream + " line matching '" + pattern + "' within " + timeout + " (" + (process.isAlive() ? "still running"
                        : "exited " + process.exitValue()) + ")\n" + transcript());
            }
        }
    }

    /** Waits at most {@code timeout} for the process to exit, then up to {@link #KILL_WAIT} for its output; returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            fail(description + " still runs after " + timeout + "\n" + transcript());
        }
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        out.awaitEnd(deadline);
        err.awaitEnd(deadline);
        return process.exitValue();
    }

    /** Everything printed to stdout so far. */
    String out() {
        return out.text();
    }

    /** Everything printed to stderr so far. */
    String err() {
        return err.text();
    }

    /** The command with its output so far, for assertion messages. */
    String transcript() {
        return description + "\n--- stdout\n" + out() + "--- stderr\n" + err();
    }

    /** Kills the process if it still runs, and waits (bounded) for it to end. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                process.destroyForcibly().waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The lines of one of the process' streams, read on a daemon thread. */
    private static final class Lines {
        private final List<String> lines = new ArrayList<>();
        private boolean ended;

        Lines(InputStream stream, String name) {
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        add(line);
                    }
                } catch (IOException e) {
                    // the process was killed; what was read stays
                } finally {
                    end();
                }
            }, name);
            reader.setDaemon(true);
            reader.start();
        }

        private synchronized void add(String line) {
            lines.add(line);
            notifyAll();
        }

        private synchronized void end() {
            ended = true;
            notifyAll();
        }

        synchronized List<String> snapshot() {
            return List.copyOf(lines);
        }

        /** Waits until there are more than {@code count} lines; false if the stream ended or the deadline passed first. */
        synchronized boolean awaitMore(int count, long deadline) throws InterruptedException {
            while (lines.size() <= count) {
                long remaining = deadline - System.nanoTime();
                if (ended || remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, remaining);
            }
            return true;
        }

        synchronized void awaitEnd(long deadline) throws InterruptedException {
            while (!ended) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, remaining);
            }
        }

        synchronized String text() {
            StringBuilder text = new StringBuilder();
            lines.forEach(l -> text.append(l).append('\n'));
            return text.toString();
        }
    }
}
