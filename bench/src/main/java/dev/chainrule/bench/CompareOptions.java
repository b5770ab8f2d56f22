package dev.chainrule.bench;

import static dev.chainrule.bench.OptionValues.integer;
import static dev.chainrule.bench.OptionValues.integers;
import static dev.chainrule.bench.OptionValues.number;
import static dev.chainrule.bench.OptionValues.require;
import static dev.chainrule.bench.OptionValues.value;

import java.util.List;

/**
 * The settings of {@link CompareBenchmark}, parsed from its arguments (see {@code bench/compare-pytorch --help}).
 *
 * @param rounds              timed windows per configuration and framework
 * @param gemmWindow          seconds per GEMM window
 * @param mlpWindow           seconds per MLP window
 * @param warmup              warm-up seconds before a configuration's first window
 * @param sizes               GEMM sizes n
 * @param batches             MLP batch sizes
 * @param threads             thread counts for the MLP's best configuration (include 1)
 * @param data                {@code fashion-mnist} or {@code random}
 * @param python              the Python interpreter with PyTorch
 * @param script              the path of {@code compare_pytorch.py}
 * @param allowReferenceBlas  compare even when PyTorch runs on the reference BLAS
 * @param jar                 the {@code chainrule} jar whose {@code train} is timed, or null for no train runs
 * @param trainRounds         {@code chainrule train} runs per batch size and thread count
 * @param quick               shorter windows and train runs
 */
record CompareOptions(int rounds, double gemmWindow, double mlpWindow, double warmup, List<Integer> sizes,
        List<Integer> batches, List<Integer> threads, String data, String python, String script, boolean allowReferenceBlas,
        String jar, int trainRounds, boolean quick) {

    /** Checks the settings. */
    CompareOptions {
        require(rounds >= 1, "--rounds: " + rounds + " (expected: >= 1)");
        require(trainRounds >= 0, "--train-rounds: " + trainRounds + " (expected: >= 0)");
        require(gemmWindow > 0 && mlpWindow > 0 && warmup >= 0, "windows: " + gemmWindow + ", " + mlpWindow + " and warm-up "
                + warmup + " seconds (expected: windows > 0, warm-up >= 0)");
        require(sizes.stream().allMatch(n -> n >= 1), "--sizes: " + sizes + " (expected: each >= 1)");
        require(batches.stream().allMatch(b -> b >= 1), "--batches: " + batches + " (expected: each >= 1)");
        require(threads.contains(1) && threads.stream().allMatch(t -> t >= 1), "--threads: " + threads
                + " (expected: counts >= 1, including 1)");
        require(data.equals("fashion-mnist") || data.equals("random"), "--data: " + data + " (expected: fashion-mnist or random)");
        sizes = List.copyOf(sizes);
        batches = List.copyOf(batches);
        threads = List.copyOf(threads);
    }

    /** The defaults: about two and a half minutes on two cores. */
    static CompareOptions defaults() {
        return new CompareOptions(7, 0.5, 1.0, 1.0, List.of(256, 512, 1024, 2048), List.of(32, 128, 512), List.of(1, 2),
                "fashion-mnist", "/usr/bin/python3", "bench/compare_pytorch.py", false, null, 2, false);
    }

    /** Parses {@code args} over the defaults; {@code --quick} sets short windows and 3 rounds, later options override it. */
    static CompareOptions parse(String... args) {
        CompareOptions d = defaults();
        int rounds = d.rounds;
        double gemmWindow = d.gemmWindow;
        double mlpWindow = d.mlpWindow;
        double warmup = d.warmup;
        List<Integer> sizes = d.sizes;
        List<Integer> batches = d.batches;
        List<Integer> threads = d.threads;
        String data = d.data;
        String python = d.python;
        String script = d.script;
        boolean allowReferenceBlas = d.allowReferenceBlas;
        String jar = d.jar;
        int trainRounds = d.trainRounds;
        boolean quick = d.quick;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--quick")) {
                rounds = 3;
                gemmWindow = 0.2;
                mlpWindow = 0.3;
                warmup = 0.5;
                trainRounds = 1;
                quick = true;
                continue;
            }
            if (name.equals("--allow-reference-blas")) {
                allowReferenceBlas = true;
                continue;
            }
            String v = value(args, ++i, name);
            switch (name) {
                case "--rounds" -> rounds = integer(name, v);
                case "--gemm-window" -> gemmWindow = number(name, v);
                case "--mlp-window" -> mlpWindow = number(name, v);
                case "--warmup" -> warmup = number(name, v);
                case "--sizes" -> sizes = integers(name, v);
                case "--batches" -> batches = integers(name, v);
                case "--threads" -> threads = integers(name, v);
                case "--data" -> data = v;
                case "--python" -> python = v;
                case "--script" -> script = v;
                case "--jar" -> jar = v;
                case "--train-rounds" -> trainRounds = integer(name, v);
                default -> throw new IllegalArgumentException("unknown option " + name + " (see --help)");
            }
        }
        return new CompareOptions(rounds, gemmWindow, mlpWindow, warmup, sizes, batches, threads, data, python, script,
                allowReferenceBlas, jar, trainRounds, quick);
    }
}
