package dev.chainrule.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Times {@code chainrule train} itself, as a user runs it, beside {@link CompareBenchmark}'s bare MLP
 * loop: Fashion-MNIST from its IDX files, the trainer's own shuffled batches, the default shards, the
 * same SGD as both MLP loops ({@code --optimizer sgd --lr 0.01 --lr-schedule constant}), one process
 * per batch size and thread count ({@code --threads}). Each run's figure is its steady state
 * ({@link ChainruleTrainRun}: the step timer after the first third of its steps, leaving out the
 * epochs' evaluations), recorded as {@link Metric#TRAIN_STEPS}.
 */
final class TrainCommandRuns {
    /** Samples a run trains on; its steps are this divided by the batch. */
    static final int SAMPLES_PER_RUN = 384_000;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);

    private TrainCommandRuns() {
    }

    /** The steps of one run at {@code batch}, at least 30; {@code quick} halves them. */
    static long steps(int batch, boolean quick) {
        return Math.max(30, (quick ? SAMPLES_PER_RUN / 2 : SAMPLES_PER_RUN) / batch);
    }

    /** The command-line arguments of one run (after {@code train}). */
    static List<String> arguments(int batch, int threads, long steps) {
        return List.of("--optimizer", "sgd", "--lr", Double.toString(CompareBenchmark.LEARNING_RATE), "--lr-schedule", "constant",
                "--batch", Integer.toString(batch), "--threads", Integer.toString(threads), "--steps", Long.toString(steps));
    }

    /** Runs every batch size with every thread count, {@code rounds} times, with {@code jar}, recording steps/s in {@code into}. */
    static void measure(Path jar, List<String> javaOptions, List<Integer> batches, List<Integer> threads, int rounds, boolean quick,
            Measurements into) {
        String java = ChildJvm.launcher();
        try {
            Path logs = Files.createTempDirectory("chainrule-train-runs-");
            for (int round = 0; round < rounds; round++) {
                for (int batch : batches) {
                    for (int t : threads) {
                        long steps = steps(batch, quick);
                        System.err.printf(Locale.ROOT, "train run %d/%d: batch %d, %d threads, %d steps%n", round + 1, rounds, batch, t,
                                steps);
                        ChainruleTrainRun.Result result = ChainruleTrainRun.run(java, javaOptions, jar, arguments(batch, t, steps), 0,
                                steps / 3, logs, RUN_TIMEOUT);
                        into.add(Framework.CHAINRULE, new Config(Metric.TRAIN_STEPS, batch, t), 1 / result.steadyStepSeconds());
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("chainrule train runs: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the chainrule train runs", e);
        }
    }
}
