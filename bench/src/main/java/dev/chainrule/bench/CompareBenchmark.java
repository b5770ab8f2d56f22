package dev.chainrule.bench;

import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Chainrule against PyTorch on this machine, in one run: float32 GEMM GFLOP/s (one thread each),
 * MLP 784-256-128-10 training steps/s (one thread, and each framework's best configuration: the thread
 * counts, and PyTorch's default, measured in a PyTorch process that never sets a thread count),
 * whole {@code chainrule train} runs ({@link TrainCommandRuns}) and Chainrule's allocated bytes per
 * step; Chainrule's scaling with threads; and Chainrule's portable kernel against this CPU's own.
 * PyTorch runs in child processes ({@code bench/compare_pytorch.py --serve}), Chainrule's native kernel
 * in a child JVM ({@link ChainruleSideServer}); the sides take turns window by window, so that the
 * machine's noise falls on all alike. Prints tables of medians, ratios and the project's performance targets.
 *
 * <p>Usage: see {@code bench/compare-pytorch --help}.
 */
public final class CompareBenchmark {
    /** The SGD learning rate of both MLPs. */
    static final double LEARNING_RATE = 0.01;

    private CompareBenchmark() {
    }

    /** One configuration measured once per round. */
    private record Item(Metric metric, int size, int threads) {
    }

    public static void main(String[] args) {
        CompareOptions options = OptionValues.parseOrExit("compare-pytorch", () -> CompareOptions.parse(args));
        long started = System.nanoTime();
        Dataset train = trainSet(options.data());
        Measurements measurements = new Measurements();
        String portableKernel = Kernels.active();
        String torch;
        String blas;
        String nativeKernel;
        List<String> pytorchCommand = List.of(options.python(), options.script(), "--serve", "--data", options.data());
        try (ServedSide pytorch = ServedSide.start(pytorchCommand, "PyTorch side");
                ServedSide pytorchDefault = ServedSide.start(pytorchCommand, "PyTorch side with its default threads");
                ServedSide nativeSide = ServedSide.start(nativeKernelCommand(options.data()), "Chainrule's native-kernel side")) {
            torch = pytorch.described("torch");
            blas = pytorch.described("blas");
            nativeKernel = nativeSide.described("kernel");
            if (blas.equals("reference") && !options.allowReferenceBlas()) {
                System.err.println("compare-pytorch: PyTorch runs on the reference BLAS (Debian's libblas3), about 20x slower than"
                        + " OpenBLAS: install it (apt-get install -y libopenblas0) or pass --allow-reference-blas");
                System.exit(1);
            }
            measure(options, Map.of(Framework.CHAINRULE, new ChainruleSide(train, LEARNING_RATE), Framework.PYTORCH, pytorch,
                    Framework.CHAINRULE_NATIVE_KERNEL, nativeSide), pytorchDefault, measurements);
        }
        if (options.jar() != null && options.trainRounds() > 0) {
            TrainCommandRuns.measure(Path.of(options.jar()), ManagementFactory.getRuntimeMXBean().getInputArguments(),
                    options.batches(), options.threads(), options.trainRounds(), options.quick(), measurements);
        }
        System.out.printf(Locale.ROOT, "Chainrule vs PyTorch %s (BLAS: %s) on %d cores; MLP data: %s, %d samples%n", torch,
                blas, Runtime.getRuntime().availableProcessors(), options.data(), train.size());
        System.out.printf(Locale.ROOT, "medians of %d windows per configuration (GEMM %.2f s, MLP %.2f s, after %.2f s warm-up),"
                + " alternating between the frameworks; ratio = Chainrule / PyTorch; Chainrule's threads compute %d shards"
                + " side by side; PyTorch's best includes its default threads; chainrule train: %d run(s) per configuration,"
                + " steady state%n", options.rounds(), options.gemmWindow(), options.mlpWindow(), options.warmup(),
                ChainruleMlp.SHARDS, options.trainRounds());
        System.out.print(ComparisonTable.format(
                ComparisonTable.rows(measurements, options.sizes(), options.batches(), options.threads())));
        System.out.printf(Locale.ROOT, "%nChainrule's steps/s by thread count (the same %d shards, the same bits):%n", ChainruleMlp.SHARDS);
        System.out.print(ThreadScalingTable.format(measurements, options.batches(), options.threads()));
        System.out.printf(Locale.ROOT, "%nthe portable kernel (%s, this process) against this CPU's own (%s, a child JVM with"
                + " --kernel native), 1 thread, medians of the same rounds:%n", portableKernel, nativeKernel);
        System.out.print(KernelCostTable.format(measurements, options.sizes(), options.batches()));
        System.out.printf(Locale.ROOT, "run time %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    /**
     * Every round measures every configuration once per side, the sides taking turns in an order that
     * rotates from round to round; the native-kernel side only measures one thread; {@code pytorchDefault}
     * measures PyTorch's default configuration, recorded as PyTorch's with {@link Config#DEFAULT_THREADS}.
     */
    private static void measure(CompareOptions options, Map<Framework, Side> sides, Side pytorchDefault, Measurements measurements) {
        List<Item> items = new ArrayList<>();
        options.sizes().forEach(n -> items.add(new Item(Metric.GEMM_GFLOPS, n, 1)));
        for (int b : options.batches()) {
            options.threads().forEach(t -> items.add(new Item(Metric.MLP_STEPS, b, t)));
            items.add(new Item(Metric.MLP_STEPS, b, Config.DEFAULT_THREADS));
        }
        List<Framework> order = new ArrayList<>(List.of(Framework.values()));
        for (int round = 0; round < options.rounds(); round++) {
            double warmup = round == 0 ? options.warmup() : 0;
            for (Item item : items) {
                System.err.printf("round %d/%d: %s %d, threads %d%n", round + 1, options.rounds(),
                        item.metric() == Metric.GEMM_GFLOPS ? "GEMM n" : "MLP batch", item.size(), item.threads());
                if (item.threads() == Config.DEFAULT_THREADS) {
                    measureOnce(pytorchDefault, item, options, warmup, measurements, Framework.PYTORCH);
                    continue;
                }
                for (Framework framework : order) {
                    if (framework != Framework.CHAINRULE_NATIVE_KERNEL || item.threads() == 1) {
                        measureOnce(sides.get(framework), item, options, warmup, measurements, framework);
                    }
                }
            }
            Collections.rotate(order, 1);
        }
    }

    /** This JVM's command line for a {@link ChainruleSideServer} with the native kernel. */
    private static List<String> nativeKernelCommand(String data) {
        String java = ChildJvm.launcher();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChainruleSideServer.class.getName(), "--kernel",
                "native", "--data", data));
        return command;
    }

    private static void measureOnce(Side side, Item item, CompareOptions options, double warmup, Measurements measurements,
            Framework framework) {
        if (item.metric() == Metric.GEMM_GFLOPS) {
            double gflops = side.gemm(item.size(), item.threads(), options.gemmWindow(), warmup);
            measurements.add(framework, new Config(Metric.GEMM_GFLOPS, item.size(), item.threads()), gflops);
        } else {
            MlpWindow window = side.mlp(item.size(), item.threads(), options.mlpWindow(), warmup);
            measurements.add(framework, new Config(Metric.MLP_STEPS, item.size(), item.threads()), window.stepsPerSecond());
            measurements.add(framework, new Config(Metric.MLP_BYTES, item.size(), item.threads()), window.bytesPerStep());
        }
    }

    /** Fashion-MNIST's train split, or uniform random features and labels of its shapes. */
    static Dataset trainSet(String data) {
        if (data.equals("fashion-mnist")) {
            return DataSplit.fashionMnist().train();
        }
        int samples = 60_000;
        int width = 784;
        SplittableRandom random = new SplittableRandom(1);
        float[] features = new float[samples * width];
        int[] labels = new int[samples];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) random.nextDouble();
        }
        for (int i = 0; i < samples; i++) {
            labels[i] = random.nextInt(10);
        }
        return Dataset.of("random", features, labels, width);
    }
}
