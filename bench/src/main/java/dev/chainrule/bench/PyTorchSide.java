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
 * PyTorch in a child process: {@code compare_pytorch.py --serve}, which answers one command line
 * with one {@code result VALUE} line. Lifecycle: {@link #start}, windows, {@link #close}.
 */
final class PyTorchSide implements Side, AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final String description;

    private PyTorchSide(Process process, BufferedReader out, String readyLine) {
        this.process = process;
        this.out = out;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.description = readyLine;
    }

    /** Starts {@code python script --serve --data data} and waits until it has loaded its data. */
    static PyTorchSide start(String python, String script, String data) {
        List<String> command = new ArrayList<>(List.of(python, script, "--serve", "--data", data));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        BufferedReader reader = process.inputReader(StandardCharsets.UTF_8);
        String ready = readLine(reader, process, "ready");
        if (!ready.contains(" torch=") || !ready.contains(" blas=")) {
            throw new IllegalStateException("PyTorch side's ready line '" + ready + "' (expected: ready torch=... blas=...)");
        }
        return new PyTorchSide(process, reader, ready);
    }

    /** The torch version of the child, from its ready line. */
    String torchVersion() {
        String fields = description.substring(0, description.indexOf(" blas="));
        return fields.replaceAll(".* torch=(\\S+).*", "$1");
    }

    /** The BLAS PyTorch calls ({@code OpenBLAS ...} or {@code reference}): the ready line's last field, which has spaces. */
    String blas() {
        return description.substring(description.indexOf(" blas=") + " blas=".length());
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
            throw new UncheckedIOException("PyTorch side: cannot send '" + command + "': " + e.getMessage(), e);
        }
        String line = readLine(out, process, "result");
        return Double.parseDouble(line.substring("result ".length()).trim());
    }

    /** The next line, which must start with {@code expected}; an error line or the child's exit is an exception. */
    private static String readLine(BufferedReader reader, Process process, String expected) {
        String line;
        try {
            line = reader.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("PyTorch side: cannot read its answer: " + e.getMessage(), e);
        }
        if (line == null) {
            throw new IllegalStateException("PyTorch side exited (status " + exitStatus(process) + ") before its '"
                    + expected + "' line; its errors are above");
        }
        if (!line.startsWith(expected + " ")) {
            throw new IllegalStateException("PyTorch side answered '" + line + "' (expected: '" + expected + " ...')");
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
