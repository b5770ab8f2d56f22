package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import dev.chainrule.cli.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code chainrule} command run on this machine in its own JVM (this JVM's java, the test class
 * path, main class {@link Main}), its stdout and stderr written to files in a directory the test
 * owns. Lifecycle: {@link #start}, any number of waits (each bounded), then {@link #close} (try with
 * resources), which kills the process if it still runs.
 */
final class LocalChainrule implements AutoCloseable {
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private final String description;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private LocalChainrule(String description, Process process, Path stdout, Path stderr) {
        this.description = description;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code chainrule args...}, its output in {@code logs/NAME.out} and {@code logs/NAME.err}. */
    static LocalChainrule start(Path logs, String name, List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        Files.createDirectories(logs);
        Path out = logs.resolve(name + ".out");
        Path err = logs.resolve(name + ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new LocalChainrule(name + ": chainrule " + String.join(" ", args), process, out, err);
    }

    /** The first stdout line matching {@code pattern}, waiting at most {@code timeout}; fails with the output if none. */
    Matcher awaitOut(Pattern pattern, Duration timeout) throws InterruptedException {
        return Await.until(description + " prints a line matching '" + pattern + "'", timeout, Duration.ofMillis(100), () -> {
            for (String line : read(stdout).split("\n")) {
                Matcher m = pattern.matcher(line);
                if (m.matches()) {
                    return Optional.of(m);
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("exited " + process.exitValue());
            }
            return Optional.empty();
        }, this::transcript);
    }

    /** Waits at most {@code timeout} for the process to exit and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(description + " still runs after " + timeout + "\n" + transcript());
        }
        return process.exitValue();
    }

    /** Everything printed to stdout so far. */
    String out() {
        return read(stdout);
    }

    /** The command and its output so far, for assertion messages. */
    String transcript() {
        return description + "\n--- stdout\n" + read(stdout) + "--- stderr\n" + read(stderr);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive() && !process.destroyForcibly().waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(description + " still runs " + KILL_WAIT + " after it was killed");
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
