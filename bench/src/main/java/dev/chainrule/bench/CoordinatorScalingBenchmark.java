package dev.chainrule.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.coordinator.CoordinatorServer;
import dev.chainrule.coordinator.CoordinatorSettings;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.proto.v1.Join;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.LocalShardExecutor;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import dev.chainrule.wire.TensorChunks;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The coordinator's cost per step against the number of workers (bench/coordinator-scaling): for each
 * N, a real {@link CoordinatorServer} on a loopback port runs a real {@link Trainer} (784-256-128-10,
 * ReLU, SGD) with N shards of {@value #SHARD_SAMPLES} samples per step, and N {@link SimulatedWorker}s
 * in a process of their own ({@link SimulatedWorkers}), each on its own channel (its own TCP
 * connection), answer every assignment with the same precomputed gradient. A step's time is thus the
 * coordinator's overhead: handing out N weight sets and assignments, receiving and checking N
 * gradients of 0.94 MB, summing them in shard order and the optimiser update, plus the loopback
 * transport, plus the wait for the simulated workers' side of gRPC on the same cores (parsing the
 * weights, framing the gradients). This JVM runs the coordinator alone, so its CPU per step is the
 * coordinator's. Steps are timed between the trainer's step callbacks, after the warm-up
 * steps. The training set holds at most {@value #MAX_SAMPLES} samples (an epoch of 2,048 steps at N
 * = 2, of 128 at N = 32), so that this JVM's heap is the coordinator's and long warm-ups fit in it:
 * the coordinator needs only the samples' count, and the simulated workers send the same gradient
 * for any sample. An epoch's end costs an evaluation of 32 test samples and a shuffle, less than a
 * step's time.
 */
public final class CoordinatorScalingBenchmark {
    /** Samples per shard (and per simulated worker). */
    static final int SHARD_SAMPLES = 32;
    /** The most samples the synthetic training set holds. */
    static final int MAX_SAMPLES = 1 << 17;
    /** How long the simulated workers' process runs at most, a bound far beyond any N's run here. */
    private static final int WORKERS_TIMEOUT_SECONDS = 600;
    private static final ModelSpec MODEL = ModelSpec.parse("784-256-128-10");

    /**
     * The settings.
     *
     * @param workers the Ns, ascending
     * @param warmup  steps before the timed ones
     * @param steps   timed steps
     */
    record Options(List<Integer> workers, int warmup, int steps) {
        Options {
            if (workers.isEmpty() || workers.stream().anyMatch(n -> n < 1) || warmup < 1 || steps < 2) {
                throw new IllegalArgumentException("--workers " + workers + ", --warmup " + warmup + ", --steps " + steps
                        + " (expected: worker counts >= 1, warm-up >= 1, steps >= 2)");
            }
            workers = workers.stream().sorted().distinct().toList();
        }

        static Options parse(String... args) {
            List<Integer> workers = List.of(1, 2, 4, 8, 16, 32);
            int warmup = 10;
            int steps = 50;
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                switch (name) {
                    case "--quick" -> {
                        warmup = 5;
                        steps = 20;
                    }
                    case "--workers" -> workers = OptionValues.integers(name, OptionValues.value(args, ++i, name));
                    case "--warmup" -> warmup = OptionValues.integer(name, OptionValues.value(args, ++i, name));
                    case "--steps" -> steps = OptionValues.integer(name, OptionValues.value(args, ++i, name));
                    default -> throw new IllegalArgumentException("unknown option '" + name
                            + "' (expected one of: --quick, --workers, --warmup, --steps)");
                }
            }
            return new Options(workers, warmup, steps);
        }
    }

    private CoordinatorScalingBenchmark() {
    }

    /** Runs every N and prints the table; exits 2 on bad options. */
    public static void main(String[] args) throws Exception {
        Options options = OptionValues.parseOrExit("coordinator-scaling", () -> Options.parse(args));
        long started = System.nanoTime();
        int total = options.warmup() + options.steps();
        int maxWorkers = options.workers().get(options.workers().size() - 1);
        DataSplit data = syntheticData((int) Math.min((long) maxWorkers * SHARD_SAMPLES * total, MAX_SAMPLES));
        System.out.printf(Locale.ROOT, "coordinator-scaling: %s, N simulated workers x %d samples per shard, %d warm-up + %d timed"
                + " steps per N, %d cores%n", MODEL, SHARD_SAMPLES, options.warmup(), options.steps(),
                Runtime.getRuntime().availableProcessors());
        List<ScalingTable.Row> rows = new ArrayList<>();
        for (int n : options.workers()) {
            ScalingTable.Row row = measure(n, options.warmup(), options.steps(), data);
            rows.add(row);
            System.out.printf(Locale.ROOT, "N=%d: %.2f ms/step%n", n, row.millisPerStep());
        }
        System.out.println();
        System.out.print(ScalingTable.format(rows));
        System.out.println();
        System.out.print(ScalingTable.targets(rows));
        System.out.printf(Locale.ROOT, "%nms/step: median over the timed steps of the time between the trainer's step callbacks."
                + " Coordinator CPU: this JVM's, the simulated workers run in another process on the same %d cores. Took %.0f s.%n",
                Runtime.getRuntime().availableProcessors(), (System.nanoTime() - started) / 1e9);
    }

    /** One N: a coordinator, N simulated workers, warm-up + timed steps. */
    static ScalingTable.Row measure(int n, int warmup, int steps, DataSplit data) throws Exception {
        int total = warmup + steps;
        Mlp model = Mlp.initialized(MODEL, Activation.RELU, 1);
        TrainingConfig config = new TrainingConfig(n * SHARD_SAMPLES, 1, total, false, 1, n);
        CoordinatorSettings settings = CoordinatorSettings.defaults(n).withWorkerWait(Duration.ofSeconds(30));
        Precomputed gradient = precompute(model, data.train(), settings.chunkBytes());
        Join join = Join.newBuilder().setWorkerName("simulated").setTrainSamples(data.train().size())
                .setFeatures(data.train().features()).setDataFingerprint(data.train().fingerprint()).setKernel(Kernels.active()).build();
        StepClock clock = new StepClock(warmup);
        SimulatedWorkers workers = null;
        try (CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), model, data.train(), config,
                settings).start()) {
            workers = SimulatedWorkers.start(server.port(), n, join, gradient.chunks(), gradient.lossSum(), SHARD_SAMPLES,
                    WORKERS_TIMEOUT_SECONDS);
            new Trainer(model, data, config, Optimizers.create("sgd", OptimizerSettings.defaults()),
                    LearningRateSchedules.create("constant", 0.01, total), clock, server.executor()).run();
        } catch (Exception | Error e) {
            if (workers != null) {
                workers.kill();
            }
            throw e;
        }
        workers.finish(30); // closing the server sent them Stop
        return new ScalingTable.Row(n, clock.medianMillis(), clock.percentileMillis(0.9), clock.cpuMillisPerStep(),
                clock.trainerCpuMillisPerStep());
    }

    /** A shard's gradient as wire chunks, parameter after parameter, and its loss sum. */
    record Precomputed(List<TensorChunk> chunks, double lossSum) {
    }

    /** One real shard gradient of {@link #SHARD_SAMPLES} samples, cut into the run's chunks. */
    static Precomputed precompute(Mlp model, Dataset train, int chunkBytes) {
        int[] samples = new int[SHARD_SAMPLES];
        Arrays.setAll(samples, i -> i);
        ShardGradient gradient = LocalShardExecutor.shardGradient(model, train, samples);
        LinkedHashMap<String, Tensor> named = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        for (int i = 0; i < names.size(); i++) {
            named.put(names.get(i), gradient.gradients().get(i));
        }
        return new Precomputed(TensorChunks.of(named, chunkBytes), gradient.lossSum());
    }

    /** Uniform features in [0, 1) and labels 0..9 of Fashion-MNIST's shape: {@code samples} to train on, 32 to test. */
    static DataSplit syntheticData(int samples) {
        return new DataSplit(synthetic("synthetic-train", samples, 1), synthetic("synthetic-test", 32, 2));
    }

    private static Dataset synthetic(String source, int samples, long seed) {
        Random random = new Random(seed);
        int width = MODEL.inputs();
        float[] features = new float[samples * width];
        for (int i = 0; i < features.length; i++) {
            features[i] = random.nextFloat();
        }
        int[] labels = new int[samples];
        Arrays.setAll(labels, i -> i % 10);
        return Dataset.of(source, features, labels, width);
    }

    /** Times the steps after the warm-up between the trainer's step callbacks (on the training thread), with CPU times. */
    static final class StepClock implements TrainingListener {
        private final int warmup;
        private final List<Double> millis = new ArrayList<>();
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private long last;
        private long cpuStart;
        private long threadCpuStart;
        private long cpu;
        private long threadCpu;

        StepClock(int warmup) {
            this.warmup = warmup;
        }

        @Override
        public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
            long now = System.nanoTime();
            if (step == warmup) {
                cpuStart = os.getProcessCpuTime();
                threadCpuStart = threads.getCurrentThreadCpuTime();
            } else if (step > warmup) {
                millis.add((now - last) / 1e6);
                cpu = os.getProcessCpuTime() - cpuStart;
                threadCpu = threads.getCurrentThreadCpuTime() - threadCpuStart;
            }
            last = System.nanoTime();
        }

        @Override
        public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        }

        @Override
        public void onFinish(TrainingResult result) {
        }

        double medianMillis() {
            return Measurements.median(millis);
        }

        double percentileMillis(double p) {
            double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
        }

        double cpuMillisPerStep() {
            return cpu / 1e6 / millis.size();
        }

        double trainerCpuMillisPerStep() {
            return threadCpu / 1e6 / millis.size();
        }
    }
}
