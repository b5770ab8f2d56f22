package dev.chainrule.cli;

import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.checkpoint.CheckpointStore;
import dev.chainrule.cli.report.RunHistory;
import dev.chainrule.cli.report.RunReport;
import dev.chainrule.coordinator.MetricsListener;
import dev.chainrule.coordinator.WorkerTimes;
import dev.chainrule.data.DataSplit;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.LearningRateSchedule;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.PlainProgress;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.TerminalProgress;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import dev.chainrule.weights.ModelWeights;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * A prepared training run: prints its header, runs the trainer with the given shard executor (local
 * or remote), then prints the result, saves the weights and writes the metrics file and the report
 * page ({@code --report}) as asked.
 *
 * <p>With checkpoints ({@code checkpoints} not null) the trainer writes one every
 * {@code checkpointEvery} steps, after the last step and when the run fails; a run prepared with a
 * checkpoint to {@code resume} from prints where it resumes (after a warning for every newer
 * checkpoint that could not be used) and starts there. When the run fails, the newest checkpoint is
 * named so that the same command can be run again.
 *
 * @param checkpoints where checkpoints go, or null for none
 * @param resume the checkpoint to resume from, or null to start at step 0
 */
record TrainingRun(TrainingOptions options, Mlp model, DataSplit data, TrainingConfig config, Optimizer optimizer,
        LearningRateSchedule rates, long totalSteps, int batchesPerEpoch, CheckpointStore checkpoints, long checkpointEvery,
        CheckpointStore.Found resume) {

    /** Runs every step in this process. */
    TrainingResult run(PrintWriter out) throws IOException {
        return run(out, null, "in this process");
    }

    /** Runs with shard gradients from {@code executor} (null: in this process); {@code where} describes it for the header. */
    TrainingResult run(PrintWriter out, ShardExecutor executor, String where) throws IOException {
        return run(out, executor, where, null);
    }

    /** As above, also feeding steps, loss, test accuracy and checkpoints into {@code metrics} (null: none). */
    TrainingResult run(PrintWriter out, ShardExecutor executor, String where, CoordinatorMetrics metrics) throws IOException {
        return run(out, executor, where, metrics, List::of);
    }

    /**
     * As above; with --report, the page's plot of each worker's compute against communication comes
     * from {@code workerTimes}, read once at the end (empty: a run in this process).
     */
    TrainingResult run(PrintWriter out, ShardExecutor executor, String where, CoordinatorMetrics metrics,
            Supplier<List<WorkerTimes.Entry>> workerTimes) throws IOException {
        TrainingListener progress = System.console() != null ? new TerminalProgress(out) : new PlainProgress(out);
        TrainingListener listener = metrics == null ? progress : both(progress, new MetricsListener(metrics));
        RunHistory history = options.report == null ? null
                : new RunHistory(config.batchSize(), batchesPerEpoch, data.train().size(), totalSteps);
        if (history != null) {
            listener = both(listener, history);
        }
        Trainer trainer = executor == null ? new Trainer(model, data, config, optimizer, rates, listener)
                : new Trainer(model, data, config, optimizer, rates, listener, executor);
        if (checkpoints != null) {
            trainer.checkpointEvery(checkpoints, checkpointEvery);
        }
        if (resume != null) {
            trainer.resumeFrom(resume.checkpoint());
        }
        String header = String.format(Locale.ROOT, "training %s %s, %s lr %s (%s), batch %d, %d shard%s %s, %d steps (%.2f epochs) on %d samples from %s; kernel %s",
                model.spec(), model.activation(), options.optimizer, options.learningRate, options.schedule, config.batchSize(),
                config.shards(), config.shards() == 1 ? "" : "s", where, totalSteps, (double) totalSteps / batchesPerEpoch,
                data.train().size(), options.data.describe(), Kernels.active());
        out.println(header);
        if (resume != null) {
            for (String skipped : resume.skipped()) {
                out.println("warning: skipped a checkpoint that cannot be used: " + skipped);
            }
            out.printf(Locale.ROOT, "resuming from %s at step %d%n", resume.file(), resume.checkpoint().step());
        }
        out.flush();
        TrainingResult result;
        try {
            result = trainer.run();
        } catch (RuntimeException e) {
            Path newest = trainer.lastCheckpoint().orElse(resume != null ? resume.file() : null);
            if (newest != null) {
                out.printf(Locale.ROOT, "the run stopped; its newest checkpoint is %s (after step %d): run the same command again"
                        + " to resume from it%n", newest, CheckpointStore.stepOf(newest));
                out.flush();
            }
            throw e;
        }
        out.printf(Locale.ROOT, "done: %d steps in %.1f s (%,.0f samples/s); test loss %.4f, test accuracy %.2f%%%n",
                result.steps(), result.wallSeconds(), result.samplesPerSecond(), result.test().loss(), 100 * result.test().accuracy());
        if (options.save != null) {
            ModelWeights.save(options.save, model);
            out.println("saved weights to " + options.save);
        }
        if (options.metricsOut != null) {
            RunSummary.write(options.metricsOut, result);
        }
        if (history != null) {
            out.println("wrote the report " + RunReport.training(header, history, workerTimes.get()).write(options.report));
        }
        out.flush();
        return result;
    }

    /** A listener that calls {@code first}, then {@code second}. */
    private static TrainingListener both(TrainingListener first, TrainingListener second) {
        return new TrainingListener() {
            @Override
            public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
                first.onStep(step, totalSteps, epoch, loss, samplesPerSecond, etaSeconds);
                second.onStep(step, totalSteps, epoch, loss, samplesPerSecond, etaSeconds);
            }

            @Override
            public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
                first.onEpochEnd(epoch, step, trainLoss, test);
                second.onEpochEnd(epoch, step, trainLoss, test);
            }

            @Override
            public void onCheckpoint(long step, Path file, Duration took) {
                first.onCheckpoint(step, file, took);
                second.onCheckpoint(step, file, took);
            }

            @Override
            public void onWentBack(long step, String source, String why) {
                first.onWentBack(step, source, why);
                second.onWentBack(step, source, why);
            }

            @Override
            public void onFinish(TrainingResult result) {
                first.onFinish(result);
                second.onFinish(result);
            }
        };
    }
}
