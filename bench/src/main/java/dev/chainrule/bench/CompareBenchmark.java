package dev.chainrule.bench;

import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Chainrule against PyTorch on this machine, in one run: float32 GEMM GFLOP/s (one thread each),
 * MLP 784-256-128-10 training steps/s (one thread, and each framework's best thread count) and
 * Chainrule's allocated bytes per step. PyTorch runs in a child process
 * ({@code bench/compare_pytorch.py --serve}); the two frameworks take turns window by window, so that
 * the machine's noise falls on both alike. Prints a table of medians, ratios and the project's performance targets.
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
        String torch;
        String blas;
        try (PyTorchSide pytorch = PyTorchSide.start(options.python(), options.script(), options.data())) {
            torch = pytorch.torchVersion();
            blas = pytorch.blas();
            if (blas.equals("reference") && !options.allowReferenceBlas()) {
                System.err.println("compare-pytorch: PyTorch runs on the reference BLAS (Debian's libblas3), about 20x slower than"
                        + " OpenBLAS: install it (apt-get install -y libopenblas0) or pass --allow-reference-blas");
                System.exit(1);
            }
            measure(options, new ChainruleSide(train, LEARNING_RATE), pytorch, measurements);
        }
        System.out.printf(Locale.ROOT, "Chainrule vs PyTorch %s (BLAS: %s) on %d cores; MLP data: %s, %d samples%n", torch,
                blas, Runtime.getRuntime().availableProcessors(), options.data(), train.size());
        System.out.printf(Locale.ROOT, "medians of %d windows per configuration (GEMM %.2f s, MLP %.2f s, after %.2f s warm-up),"
                + " alternating between the frameworks; ratio = Chainrule / PyTorch%n", options.rounds(), options.gemmWindow(),
                options.mlpWindow(), options.warmup());
        System.out.print(ComparisonTable.format(
                ComparisonTable.rows(measurements, options.sizes(), options.batches(), options.threads())));
        System.out.printf(Locale.ROOT, "run time %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** Every round measures every configuration once per framework; the framework that goes first alternates. */
    private static void measure(CompareOptions options, Side chainrule, Side pytorch, Measurements measurements) {
        List<Item> items = new ArrayList<>();
        options.sizes().forEach(n -> items.add(new Item(Metric.GEMM_GFLOPS, n, 1)));
        for (int b : options.batches()) {
            options.threads().forEach(t -> items.add(new Item(Metric.MLP_STEPS, b, t)));
        }
        for (int round = 0; round < options.rounds(); round++) {
            double warmup = round == 0 ? options.warmup() : 0;
            for (Item item : items) {
                System.err.printf("round %d/%d: %s %d, threads %d%n", round + 1, options.rounds(),
                        item.metric() == Metric.GEMM_GFLOPS ? "GEMM n" : "MLP batch", item.size(), item.threads());
                boolean chainruleFirst = round % 2 == 0;
                measureOnce(chainruleFirst ? chainrule : pytorch, item, options, warmup, measurements,
                        chainruleFirst ? Framework.CHAINRULE : Framework.PYTORCH);
                measureOnce(chainruleFirst ? pytorch : chainrule, item, options, warmup, measurements,
                        chainruleFirst ? Framework.PYTORCH : Framework.CHAINRULE);
            }
        }
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
    private static Dataset trainSet(String data) {
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
