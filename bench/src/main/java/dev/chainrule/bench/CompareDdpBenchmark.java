package dev.chainrule.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Chainrule's data-parallel training against PyTorch DDP on this machine, in one run (bench/compare-ddp):
 * PyTorch DDP with gloo, 2 processes x batch 128 on loopback ({@code compare_ddp.py}); Chainrule's
 * {@code train --workers 2 --batch 256} (a coordinator and two worker processes on loopback gRPC); and
 * Chainrule's single-process {@code train --batch 256}; same model (784-256-128-10, ReLU, softmax
 * cross-entropy), SGD (with {@code --adam} also Adam). Every round runs each side once, in turn, so
 * that the machine's noise hits all of them; the figures are medians over the rounds.
 *
 * <p>Chainrule's synchronisation per step is its steady step time minus the workers' compute time per
 * step (their shards' forward and backward passes, from their final lines): the same definition as
 * PyTorch's step time minus its {@code no_sync} compute time.
 */
public final class CompareDdpBenchmark {
    /** Parameters of 784-256-128-10: weights and biases. */
    static final long PARAMETERS = 784L * 256 + 256 + 256L * 128 + 128 + 128L * 10 + 10;
    private static final int BATCH = 256;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    private CompareDdpBenchmark() {
    }

    /** Runs the comparison and prints its tables; exits 2 on bad options, 1 when a side fails. */
    public static void main(String[] args) throws Exception {
        DdpOptions options = OptionValues.parseOrExit("compare-ddp", () -> DdpOptions.parse(args));
        try {
            run(options);
        } catch (IllegalStateException | IOException e) {
            System.err.println("compare-ddp: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(DdpOptions o) throws IOException, InterruptedException {
        long started = System.nanoTime();
        Path logs = Files.createTempDirectory("compare-ddp-");
        String java = ChildJvm.launcher();
        List<String> javaOptions = ChildJvm.userOptions();
        List<String> optimizers = o.adam() ? List.of("sgd", "adam") : List.of("sgd");
        Map<String, List<Double>> figures = new LinkedHashMap<>();
        String blas = "?";

        System.out.printf(Locale.ROOT, "compare-ddp: up to %d rounds within %.0f s; Chainrule runs of %d steps (first %d left out),"
                + " PyTorch %d windows of %d steps after %d warm-up steps; %d cores%n", o.rounds(), o.budgetSeconds(), o.steps(),
                o.warmupSteps(), o.ddpWindows(), o.ddpSteps(), o.ddpWarmup(), Runtime.getRuntime().availableProcessors());
        double lastRound = 0;
        int rounds = 0;
        for (int round = 0; round < o.rounds(); round++) {
            double elapsed = (System.nanoTime() - started) / 1e9;
            if (round > 0 && elapsed + lastRound > o.budgetSeconds()) {
                break;
            }
            long roundStart = System.nanoTime();
            StringBuilder progress = new StringBuilder("round " + (round + 1) + ":");
            for (String optimizer : optimizers) {
                // sides in turn: workers, PyTorch DDP, single process
                List<String> common = new ArrayList<>(List.of("--batch", Integer.toString(BATCH), "--steps", Integer.toString(o.steps())));
                if (optimizer.equals("sgd")) {
                    common.addAll(List.of("--optimizer", "sgd")); // adam: Chainrule's default optimiser, as the benchmark's stated command
                }
                List<String> workerArgs = new ArrayList<>(common);
                workerArgs.addAll(List.of("--workers", "2", "--compression", o.compression()));
                ChainruleTrainRun.Result workers = ChainruleTrainRun.run(java, javaOptions, Path.of(o.jar()), workerArgs, 2,
                        o.warmupSteps(), logs, RUN_TIMEOUT);
                record(figures, "workers " + optimizer, workers);
                if (o.partitions() > 0) {
                    List<String> partitionedArgs = new ArrayList<>(workerArgs);
                    partitionedArgs.addAll(List.of("--partitions", Integer.toString(o.partitions())));
                    ChainruleTrainRun.Result partitioned = ChainruleTrainRun.run(java, javaOptions, Path.of(o.jar()), partitionedArgs, 2,
                            o.warmupSteps(), logs, RUN_TIMEOUT);
                    record(figures, "partitioned " + optimizer, partitioned);
                    progress.append(String.format(Locale.ROOT, " %s partitioned %,.0f,", optimizer,
                            BATCH / partitioned.steadyStepSeconds()));
                }
                DdpFigures ddp = ddp(o, optimizer, logs);
                blas = ddp.blas();
                add(figures, "ddp " + optimizer + " samples", ddp.samplesPerSecond());
                add(figures, "ddp " + optimizer + " step", ddp.stepMillis());
                add(figures, "ddp " + optimizer + " compute", ddp.computeMillis());
                add(figures, "ddp " + optimizer + " sync", ddp.syncMillis());
                add(figures, "ddp " + optimizer + " allreduce", ddp.allReduceMillis());
                progress.append(String.format(Locale.ROOT, " %s workers %,.0f, DDP %,.0f", optimizer, BATCH / workers.steadyStepSeconds(),
                        ddp.samplesPerSecond()));
                if (optimizer.equals("sgd")) {
                    List<String> singleArgs = new ArrayList<>(common);
                    singleArgs.addAll(List.of("--shards", "1"));
                    ChainruleTrainRun.Result single = ChainruleTrainRun.run(java, javaOptions, Path.of(o.jar()), singleArgs, 0,
                            o.warmupSteps(), logs, RUN_TIMEOUT);
                    record(figures, "single " + optimizer, single);
                    progress.append(String.format(Locale.ROOT, ", single %,.0f", BATCH / single.steadyStepSeconds()));
                }
            }
            lastRound = (System.nanoTime() - roundStart) / 1e9;
            rounds++;
            System.out.println(progress.append(" samples/s (").append(String.format(Locale.ROOT, "%.0f s)", lastRound)));
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "PyTorch: %s; data: PyTorch %s, Chainrule Fashion-MNIST (IDX, %s)%n", blas, o.data(),
                "/usr/share/datasets/fashion-mnist");
        List<DdpTable.Side> sides = new ArrayList<>();
        List<String[]> targets = new ArrayList<>();
        for (String optimizer : optimizers) {
            DdpTable.Side ddp = new DdpTable.Side("PyTorch DDP gloo, 2 x batch 128, " + optimizer,
                    median(figures, "ddp " + optimizer + " samples"), median(figures, "ddp " + optimizer + " step"),
                    median(figures, "ddp " + optimizer + " compute"), median(figures, "ddp " + optimizer + " sync"), Double.NaN, Double.NaN);
            String compressed = o.compression().equals("none") ? "" : " --compression " + o.compression();
            DdpTable.Side workers = side(figures, "Chainrule train --workers 2 --batch 256" + compressed + ", " + optimizer,
                    "workers " + optimizer);
            DdpTable.Side single = optimizer.equals("sgd")
                    ? side(figures, "Chainrule train --batch 256 (1 process), " + optimizer, "single " + optimizer) : null;
            sides.add(ddp);
            sides.add(workers);
            if (o.partitions() > 0) {
                DdpTable.Side partitioned = side(figures, "Chainrule train --workers 2 --partitions " + o.partitions() + " --batch 256"
                        + compressed + ", " + optimizer, "partitioned " + optimizer);
                sides.add(partitioned);
                targets.add(DdpTable.partitionedTarget(optimizer, ddp, partitioned));
            }
            if (single != null) {
                sides.add(single);
            }
            targets.addAll(DdpTable.targets(optimizer, ddp, workers, single));
        }
        System.out.print(DdpTable.sides(sides));
        System.out.println();
        System.out.print(DdpTable.format(targets));
        System.out.println();
        System.out.printf(Locale.ROOT, "gradient per worker and step: %,d float32 = %,d bytes (%.2f MB); Chainrule's coordinator receives"
                + " 2 x that and sends 2 x the weights per step%n", PARAMETERS, 4 * PARAMETERS, 4 * PARAMETERS / 1e6);
        System.out.printf(Locale.ROOT, "gloo all_reduce of that size alone: %.2f ms (median)%n", median(figures, "ddp sgd allreduce"));
        System.out.printf(Locale.ROOT, "%d rounds in %.0f s; medians over the rounds. samples/s and ms/step: steady state (Chainrule: the"
                + " coordinator's step timer from step %d to the run's end, read from --metrics-port; PyTorch: timed windows after"
                + " warm-up). sync = ms/step - compute ms (Chainrule compute: the workers' final lines, 0.1 s resolution, whole run;"
                + " PyTorch compute: no_sync windows). whole-run samples/s: --metrics-out (every step, JIT warm-up"
                + " included; the workers' start-up is not: the coordinator waits for them before step 0). session comm ms/step: the workers' communication / steps over their whole sessions (including"
                + " the wait for the other worker to join and the final evaluation). Logs: %s%n", rounds,
                (System.nanoTime() - started) / 1e9, o.warmupSteps(), logs);
    }

    private static DdpFigures ddp(DdpOptions o, String optimizer, Path logs) throws IOException, InterruptedException {
        Path log = Files.createTempFile(logs, "ddp-", ".log");
        List<String> command = List.of(o.python(), o.script(), "--optimizer", optimizer, "--steps", Integer.toString(o.ddpSteps()),
                "--windows", Integer.toString(o.ddpWindows()), "--warmup", Integer.toString(o.ddpWarmup()), "--data", o.data());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException("'" + String.join(" ", command) + "' did not finish within " + RUN_TIMEOUT.toSeconds() + " s");
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        String result = output.lines().filter(l -> l.startsWith("result ")).findFirst().orElse(null);
        if (process.exitValue() != 0 || result == null) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' exited with status " + process.exitValue()
                    + (result == null ? " without a result line" : "") + ":\n" + output);
        }
        return DdpFigures.parse(result);
    }

    private static void record(Map<String, List<Double>> figures, String key, ChainruleTrainRun.Result r) {
        double stepMillis = 1e3 * r.steadyStepSeconds();
        add(figures, key + " samples", BATCH / r.steadyStepSeconds());
        add(figures, key + " step", stepMillis);
        add(figures, key + " compute", r.workerComputeMillis());
        add(figures, key + " sync", stepMillis - r.workerComputeMillis());
        add(figures, key + " run", r.runSamplesPerSecond());
        add(figures, key + " session", r.workerCommunicationMillis());
    }

    private static DdpTable.Side side(Map<String, List<Double>> figures, String what, String key) {
        return new DdpTable.Side(what, median(figures, key + " samples"), median(figures, key + " step"), median(figures, key + " compute"),
                median(figures, key + " sync"), median(figures, key + " run"), median(figures, key + " session"));
    }

    private static void add(Map<String, List<Double>> figures, String key, double value) {
        figures.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    /** The median of the figure's finite values, NaN when it has none. */
    private static double median(Map<String, List<Double>> figures, String key) {
        List<Double> values = figures.getOrDefault(key, List.of()).stream().filter(Double::isFinite).toList();
        return values.isEmpty() ? Double.NaN : Measurements.median(values);
    }
}
