package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import dev.chainrule.worker.Worker;
import dev.chainrule.worker.WorkerResult;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Trainers, real workers on threads and weight comparisons shared by the coordinator's tests; their data comes from training's
 * {@code SyntheticData} through {@link dev.chainrule.train.TrainingTestData}.
 */
final class TestRuns {
    private TestRuns() {
    }

    /** A listener that ignores everything. */
    static final TrainingListener QUIET = new TrainingListener() {
        @Override
        public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
        }

        @Override
        public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        }

        @Override
        public void onFinish(TrainingResult result) {
        }
    };

    /** Trains {@code model} with {@code optimizer} and a cosine schedule from 0.01, its shards computed by {@code executor}. */
    static TrainingResult train(Mlp model, DataSplit data, TrainingConfig config, String optimizer, ShardExecutor executor) {
        return train(model, data, config, optimizer, executor, QUIET);
    }

    /** As above, reporting to {@code listener} (on the training thread, after each step's update). */
    static TrainingResult train(Mlp model, DataSplit data, TrainingConfig config, String optimizer, ShardExecutor executor,
            TrainingListener listener) {
        long total = config.totalSteps(Trainer.batches(data.train(), config).batchesPerEpoch());
        return new Trainer(model, data, config, Optimizers.create(optimizer, OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.01, total), listener, executor).run();
    }

    /** Trains {@code model} in this process (shards computed one after the other). */
    static TrainingResult trainLocally(Mlp model, DataSplit data, TrainingConfig config, String optimizer) {
        long total = config.totalSteps(Trainer.batches(data.train(), config).batchesPerEpoch());
        return new Trainer(model, data, config, Optimizers.create(optimizer, OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.01, total), QUIET).run();
    }

    /**
     * Runs a real {@link Worker} named {@code name} on {@code train} against the coordinator on
     * 127.0.0.1:{@code port}, over its own channel, until the coordinator sends Stop.
     */
    static WorkerResult runWorker(int port, Dataset train, String name) throws InterruptedException {
        ManagedChannel channel = channel(port);
        try {
            return new Worker(channel, train, name, Duration.ofSeconds(20)).run();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A plaintext channel to 127.0.0.1:{@code port}. */
    static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /** The bits of every parameter, in order. */
    static List<int[]> bits(Mlp model) {
        List<int[]> bits = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            bits.add(bits(p));
        }
        return bits;
    }

    /** The bits of every element of a float32 tensor. */
    static int[] bits(Tensor t) {
        float[] values = t.toFloatArray();
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
