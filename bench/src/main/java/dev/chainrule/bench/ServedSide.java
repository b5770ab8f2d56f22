package dev.chainrule.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A framework in a child process that answers one command line ({@code gemm|mlp SIZE THREADS WINDOW
 * WARMUP}) with one {@code result VALUE} line, after a first {@code ready ...} line that describes it:
 * PyTorch ({@code compare_pytorch.py --serve}) or Chainrule in another JVM ({@link ChainruleSideServer}).
 * Lifecycle: {@link #start}, windows, {@link #close}.
 */
final class ServedSide implements Side, AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final String name;
    private final String readyLine;

    private ServedSide(Process process, BufferedReader out, String name, String readyLine) {
        this.process = process;
        this.out = out;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.name = name;
        this.readyLine = readyLine;
    }

    /** Starts {@code command}, the side called {@code name} in messages, and waits for its ready line. */
    static ServedSide start(List<String> command, String name) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        BufferedReader reader = process.inputReader(StandardCharsets.UTF_8);
        return new ServedSide(process, reader, name, readLine(reader, process, name, "ready"));
    }

    /** The value of {@code key=} in the ready line: up to the next " word=" or the line's end. */
    String described(String key) {
        String marker = " " + key + "=";
        int at = readyLine.indexOf(marker);
        if (at < 0) {
            throw new IllegalStateException(name + "'s ready line '" + readyLine + "' has no " + key + "=");
        }
        String rest = readyLine.substring(at + marker.length());
        return rest.split(" (?=\\w+=)", 2)[0];
    }

    @Override
    public double gemm(int n, int threads, double windowSeconds, double warmupSeconds) {
        return ask("gemm", n, threads, windowSeconds, warmupSeconds);
    }

    @Override
    public MlpWindow mlp(int batch, int threads, double windowSeconds, double warmupSeconds) {
        return new MlpWindow(ask("mlp", batch, threads, windowSeconds, warmupSeconds), Double.NaN);
    }

    private double ask(String kind, int size, int threads, double windowSeconds, double warmupSeconds) {
        String command = String.format(Locale.ROOT, "%s %d %d %.3f %.3f", kind, size, threads, windowSeconds, warmupSeconds);
        try {
            in.write(command + "\n");
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot send '" + command + "': " + e.getMessage(), e);
        }
        String line = readLine(out, process, name, "result");
        return Double.parseDouble(line.substring("result ".length()).trim());
    }

    /** The next line, which must start with {@code expected}; an error line or the child's exit is an exception. */
    private static String readLine(BufferedReader reader, Process process, String name, String expected) {
        String line;
        try {
            line = reader.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot read its answer: " + e.getMessage(), e);
        }
        if (line == null) {
            throw new IllegalStateException(name + " exited (status " + exitStatus(process) + ") before its '"
                    + expected + "' line; its errors are above");
        }
        if (!line.startsWith(expected + " ")) {
            throw new IllegalStateException(name + " answered '" + line + "' (expected: '" + expected + " ...')");
        }
        return line;
    }

    private static String exitStatus(Process process) {
        try {
            return process.waitFor(10, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Asks the child to quit and waits for it; kills it if it does not exit within ten seconds. */
    @Override
    public void close() {
        try {
            in.write("quit\n");
            in.close();
        } catch (IOException e) {
            // the child is gone already; nothing to tell it
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
