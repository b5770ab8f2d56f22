package dev.chainrule.bench;

import dev.chainrule.autodiff.kernels.KernelMode;
import dev.chainrule.autodiff.kernels.Kernels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Chainrule as a {@link ServedSide} in a JVM of its own, with the kernel mode its arguments name
 * ({@code --kernel portable|native --data fashion-mnist|random}): the kernel is fixed per process, so
 * {@link CompareBenchmark} measures the one it does not run itself here. Prints {@code ready kernel=…},
 * then answers each command line with {@code result VALUE} until {@code quit} or the end of its input.
 */
public final class ChainruleSideServer {
    private ChainruleSideServer() {
    }

    public static void main(String[] args) throws IOException {
        KernelMode mode = KernelMode.PORTABLE;
        String data = "fashion-mnist";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--kernel" -> mode = KernelMode.parse(args[i + 1]);
                case "--data" -> data = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (expected: --kernel or --data)");
            }
        }
        Kernels.choose(mode);
        ChainruleSide side = new ChainruleSide(CompareBenchmark.trainSet(data), CompareBenchmark.LEARNING_RATE);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("ready kernel=" + Kernels.active());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
            String[] f = line.trim().split("\\s+");
            int size = Integer.parseInt(f[1]);
            int threads = Integer.parseInt(f[2]);
            double window = Double.parseDouble(f[3]);
            double warmup = Double.parseDouble(f[4]);
            double value = switch (f[0]) {
                case "gemm" -> side.gemm(size, threads, window, warmup);
                case "mlp" -> side.mlp(size, threads, window, warmup).stepsPerSecond();
                default -> throw new IllegalArgumentException("unknown command '" + line + "' (expected: gemm, mlp or quit)");
            };
            out.println(String.format(Locale.ROOT, "result %.6f", value));
        }
    }
}
