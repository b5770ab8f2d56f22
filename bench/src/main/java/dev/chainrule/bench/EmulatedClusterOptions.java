package dev.chainrule.bench;

import static dev.chainrule.bench.OptionValues.integer;
import static dev.chainrule.bench.OptionValues.integers;
import static dev.chainrule.bench.OptionValues.require;
import static dev.chainrule.bench.OptionValues.value;

import dev.chainrule.nn.ModelSpec;
import dev.chainrule.wire.GradientCompression;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of {@link EmulatedClusterBenchmark}, parsed from its arguments (see {@code bench/emulated-cluster --help};
 * the script passes {@code --network} and {@code --nodes} for the namespaces it made).
 *
 * @param workers N values: workers, and DDP ranks
 * @param models  the MLPs
 * @param rates   link rates, tc syntax ({@code 1gbit})
 * @param steps   optimiser steps of each run
 * @param warmup  steps left out at the start of each run
 * @param network the namespaces' name prefix
 * @param nodes   how many node namespaces the script made
 * @param python  the Python interpreter with PyTorch
 * @param script  the path of {@code compare_ddp.py}
 * @param jar     the Chainrule command-line jar to run
 */
record EmulatedClusterOptions(List<Integer> workers, List<ModelSpec> models, List<String> rates, int steps, int warmup, String network,
        int nodes, String python, String script, String jar) {
    private static final List<String> NAMES = List.of("--quick", "--workers", "--models", "--rates", "--steps", "--warmup", "--network",
            "--nodes", "--python", "--script", "--jar");

    /** Checks the settings. */
    EmulatedClusterOptions {
        workers = List.copyOf(workers);
        models = List.copyOf(models);
        rates = List.copyOf(rates);
        require(!workers.isEmpty() && workers.stream().allMatch(n -> n >= 1 && ClusterRunSettings.GLOBAL_BATCH % n == 0),
                "--workers " + workers + " (expected: divisors of the global batch " + ClusterRunSettings.GLOBAL_BATCH + ", e.g. 2,4)");
        require(!models.isEmpty(), "--models: none (expected: e.g. 784-256-128-10)");
        require(!rates.isEmpty() && rates.stream().allMatch(r -> r.matches("[0-9]+(\\.[0-9]+)?[kmg]?bit")),
                "--rates " + rates + " (expected: tc rates such as 1gbit,10gbit)");
        require(network != null, "--network: missing (bench/emulated-cluster passes it)");
        ClusterSide.ONE_COORDINATOR.compressions().forEach(GradientCompression::parse);
    }

    /** Parses {@code args}; {@code --quick} is N = 2, the small model, 1gbit, 30 steps; later options override it. */
    static EmulatedClusterOptions parse(String... args) {
        List<Integer> workers = List.of(2, 4);
        List<ModelSpec> models = List.of(ModelSpec.parse("784-256-128-10"), ModelSpec.parse("784-2048-2048-10"));
        List<String> rates = List.of("1gbit", "10gbit");
        int steps = 40;
        int warmup = 15;
        String network = null;
        int nodes = 0;
        String python = "/usr/bin/python3";
        String script = "bench/compare_ddp.py";
        String jar = "cli/target/chainrule.jar";
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            switch (name) {
                case "--quick" -> {
                    workers = List.of(2);
                    models = List.of(ModelSpec.parse("784-256-128-10"));
                    rates = List.of("1gbit");
                    steps = 30;
                    warmup = 10;
                }
                case "--workers" -> workers = integers(name, value(args, ++i, name));
                case "--models" -> models = models(value(args, ++i, name));
                case "--rates" -> rates = List.of(value(args, ++i, name).split(","));
                case "--steps" -> steps = integer(name, value(args, ++i, name));
                case "--warmup" -> warmup = integer(name, value(args, ++i, name));
                case "--network" -> network = value(args, ++i, name);
                case "--nodes" -> nodes = integer(name, value(args, ++i, name));
                case "--python" -> python = value(args, ++i, name);
                case "--script" -> script = value(args, ++i, name);
                case "--jar" -> jar = value(args, ++i, name);
                default -> throw new IllegalArgumentException("unknown option '" + name + "' (expected one of: " + String.join(", ", NAMES)
                        + ")");
            }
        }
        return new EmulatedClusterOptions(workers, models, rates, steps, warmup, network, nodes, python, script, jar);
    }

    private static List<ModelSpec> models(String text) {
        List<ModelSpec> models = new ArrayList<>();
        for (String spec : text.split(",")) {
            models.add(ModelSpec.parse(spec));
        }
        return models;
    }

    /** The largest N. */
    int mostWorkers() {
        return workers.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }
}
