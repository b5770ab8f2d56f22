package dev.chainrule.bench;

import static dev.chainrule.bench.OptionValues.integer;
import static dev.chainrule.bench.OptionValues.number;
import static dev.chainrule.bench.OptionValues.require;
import static dev.chainrule.bench.OptionValues.value;

import dev.chainrule.wire.GradientCompression;
import java.util.List;

/**
 * The settings of {@link CompareDdpBenchmark}, parsed from its arguments (see {@code bench/compare-ddp --help}).
 *
 * @param rounds        at most this many rounds; each runs every side once
 * @param budgetSeconds no round starts after this many seconds, once one round has run
 * @param steps         optimiser steps of each Chainrule run (at most ten epochs of Fashion-MNIST at batch 256)
 * @param warmupSteps   Chainrule steps left out at the start of each run
 * @param ddpSteps      steps per PyTorch window
 * @param ddpWindows    synced and compute windows per PyTorch run
 * @param ddpWarmup     PyTorch steps before its first window
 * @param adam          also measure Adam (PyTorch) and Chainrule's default optimiser (Adam)
 * @param compression   the Chainrule workers' --compression (none by default)
 * @param partitions    when above 0, also Chainrule's workers with {@code --partitions} this many (a partition in each of K workers)
 * @param data          the PyTorch side's data: {@code fashion-mnist} or {@code random}
 * @param python        the Python interpreter with PyTorch
 * @param script        the path of {@code compare_ddp.py}
 * @param jar           the Chainrule command-line jar to run
 */
record DdpOptions(int rounds, double budgetSeconds, int steps, int warmupSteps, int ddpSteps, int ddpWindows, int ddpWarmup,
        boolean adam, String compression, int partitions, String data, String python, String script, String jar) {
    /** Batches of 256 in ten epochs of Fashion-MNIST's 60,000 training samples (the step timer leaves the evaluations out). */
    static final int MAX_STEPS = 10 * 235;

    /** Checks the settings. */
    DdpOptions {
        require(rounds >= 1, "--rounds " + rounds + " (expected: >= 1)");
        require(budgetSeconds > 0, "--budget " + budgetSeconds + " (expected: > 0 seconds)");
        require(steps <= MAX_STEPS && warmupSteps >= 1 && steps - warmupSteps >= 20, "--steps " + steps + ", --warmup-steps "
                + warmupSteps + " (expected: warm-up >= 1, at least 20 timed steps after it, steps <= " + MAX_STEPS
                + ")");
        require(ddpSteps >= 1 && ddpWindows >= 1 && ddpWarmup >= 0, "--ddp-steps " + ddpSteps + ", --ddp-windows " + ddpWindows
                + ", --ddp-warmup " + ddpWarmup + " (expected: >= 1, >= 1, >= 0)");
        GradientCompression.parse(compression); // names the problem with a bad mode
        require(partitions >= 0 && partitions <= 2, "--partitions " + partitions + " (expected: 0, 1 or 2: the run has 2 workers)");
        require(data.equals("fashion-mnist") || data.equals("random"), "--data " + data + " (expected: fashion-mnist or random)");
    }

    /**
     * The defaults: about three minutes on two cores. Chainrule runs five epochs and times the last
     * 470 steps, once the JVMs' compilers are done with the hot code (it takes some 700 steps here).
     */
    static DdpOptions defaults() {
        return new DdpOptions(5, 150, 5 * 235, 705, 200, 3, 50, false, "none", 0, "fashion-mnist", "/usr/bin/python3",
                "bench/compare_ddp.py", "cli/target/chainrule.jar");
    }

    /** Parses {@code args} over the defaults; {@code --quick} sets a short budget and short windows, later options override it. */
    static DdpOptions parse(String... args) {
        DdpOptions d = defaults();
        int rounds = d.rounds;
        double budget = d.budgetSeconds;
        int steps = d.steps;
        int warmupSteps = d.warmupSteps;
        int ddpSteps = d.ddpSteps;
        int ddpWindows = d.ddpWindows;
        int ddpWarmup = d.ddpWarmup;
        boolean adam = d.adam;
        String compression = d.compression;
        int partitions = d.partitions;
        String data = d.data;
        String python = d.python;
        String script = d.script;
        String jar = d.jar;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            switch (name) {
                case "--quick" -> {
                    rounds = 3;
                    budget = 25;
                    steps = 160;
                    warmupSteps = 40;
                    ddpSteps = 100;
                    ddpWindows = 2;
                    ddpWarmup = 30;
                }
                case "--adam" -> adam = true;
                case "--compression" -> compression = value(args, ++i, name);
                case "--partitions" -> partitions = integer(name, value(args, ++i, name));
                case "--rounds" -> rounds = integer(name, value(args, ++i, name));
                case "--budget" -> budget = number(name, value(args, ++i, name));
                case "--steps" -> steps = integer(name, value(args, ++i, name));
                case "--warmup-steps" -> warmupSteps = integer(name, value(args, ++i, name));
                case "--ddp-steps" -> ddpSteps = integer(name, value(args, ++i, name));
                case "--ddp-windows" -> ddpWindows = integer(name, value(args, ++i, name));
                case "--ddp-warmup" -> ddpWarmup = integer(name, value(args, ++i, name));
                case "--data" -> data = value(args, ++i, name);
                case "--python" -> python = value(args, ++i, name);
                case "--script" -> script = value(args, ++i, name);
                case "--jar" -> jar = value(args, ++i, name);
                default -> throw new IllegalArgumentException("unknown option '" + name + "' (expected one of: " + String.join(", ",
                        List.of("--quick", "--adam", "--compression", "--partitions", "--rounds", "--budget", "--steps", "--warmup-steps",
                                "--ddp-steps", "--ddp-windows", "--ddp-warmup", "--data", "--python", "--script", "--jar")) + ")");
            }
        }
        return new DdpOptions(rounds, budget, steps, warmupSteps, ddpSteps, ddpWindows, ddpWarmup, adam, compression, partitions, data,
                python, script, jar);
    }
}
