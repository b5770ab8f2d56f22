package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.BatchSchedule;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.train.TrainingTestData.TorchRun;
import dev.chainrule.worker.WorkerResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every PyTorch training run among training's fixtures, replayed through the distributed path: a
 * coordinator on a real socket on 127.0.0.1 and three workers on threads, each with its own channel
 * and its own copy of the data, computing three shards per batch. The final weights must agree with
 * torch's within |a − e| ≤ 1e-5 + 1e-4·|e|, and with the single-process Trainer's with three shards
 * bit for bit, as must every step's loss.
 */
class TorchAgreementOverGrpcTest {
    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-5;
    private static final int WORKERS = 3;
    private static final int SHARDS = 3;
    private static final CoordinatorSettings SETTINGS = CoordinatorSettings.defaults(WORKERS).withWorkerWait(Duration.ofSeconds(20))
            .withStepTimeout(Duration.ofSeconds(30)).withReceiveTimeout(Duration.ofSeconds(60));
    private static ExecutorService workerThreads;

    @BeforeAll
    static void startThreads() {
        workerThreads = Executors.newFixedThreadPool(WORKERS);
    }

    @AfterAll
    static void stopThreads() throws InterruptedException {
        workerThreads.shutdownNow();
        assertTrue(workerThreads.awaitTermination(10, TimeUnit.SECONDS), "worker threads still running");
    }

    /** The fixtures come from training's test-jar (or its test-classes folder in a reactor build without packaging). */
    @Test
    void torchRunsAreFoundOnTheClassPath() {
        List<String> names = TrainingTestData.torchRunNames();
        assertFalse(names.isEmpty(), "no PyTorch runs in " + TrainingTestData.fixtureLocation());
        for (String name : names) {
            TorchRun run = TrainingTestData.torchRun(name);
            assertEquals(name, run.name());
            assertTrue(run.steps() > 0, name);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyTorchRunAgreesWhenTrainedOnThreeWorkersOverTcp() {
        List<String> names = TrainingTestData.torchRunNames();
        assertFalse(names.isEmpty(), "no PyTorch runs in " + TrainingTestData.fixtureLocation());
        return names.stream().map(name -> dynamicTest(name, () -> agrees(TrainingTestData.torchRun(name))));
    }

    private static void agrees(TorchRun run) throws Exception {
        TrainingConfig config = run.config(SHARDS);
        BatchSchedule batches = Trainer.batches(run.train(), config);
        long total = config.totalSteps(batches.batchesPerEpoch());
        assertEquals(run.steps(), total, run + ": steps");

        Mlp local = run.initialModel();
        StepLosses localLosses = train(run, local, total, null);

        Mlp remote = run.initialModel();
        StepLosses remoteLosses;
        List<Future<WorkerResult>> workers = new ArrayList<>();
        CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), remote, run.train(), config, SETTINGS)
                .start();
        try {
            for (int i = 0; i < WORKERS; i++) {
                String name = run.name() + "/worker-" + i;
                Dataset own = run.train();
                workers.add(workerThreads.submit(() -> TestRuns.runWorker(server.port(), own, name)));
            }
            remoteLosses = train(run, remote, total, server.executor());
        } finally {
            server.close(); // Stop to every worker: finished after the last step, else the failure
        }
        List<WorkerResult> results = new ArrayList<>();
        for (Future<WorkerResult> worker : workers) {
            results.add(worker.get(30, TimeUnit.SECONDS));
        }

        // shard s goes to worker s mod 3 and no shard of a 5-sample (or 3-sample) batch is empty: one shard per worker per step
        long samples = 0;
        for (long step = 0; step < total; step++) {
            samples += batches.indicesFor(step).length;
        }
        long computed = 0;
        for (WorkerResult r : results) {
            assertTrue(r.finished(), run + ": worker " + r.workerId() + " stopped: " + r.reason());
            assertEquals(total, r.stats().shards(), run + ": shards computed by worker " + r.workerId());
            computed += r.stats().samples();
        }
        assertEquals(samples, computed, run + ": samples computed by the workers");

        assertEquals(localLosses.losses, remoteLosses.losses, run + ": every step's loss, local and over gRPC");
        Map<String, Tensor> expected = local.namedParameters();
        Map<String, Tensor> actual = remote.namedParameters();
        assertEquals(expected.keySet(), actual.keySet(), run + ": parameter names");
        for (String name : expected.keySet()) {
            assertArrayEquals(TestRuns.bits(expected.get(name)), TestRuns.bits(actual.get(name)),
                    run + " " + name + ": over gRPC (3 workers) vs the local Trainer, both with 3 shards");
        }
        Map<String, Tensor> torch = run.finals();
        assertEquals(torch.keySet(), actual.keySet(), run + ": parameter names (torch)");
        torch.forEach((name, e) -> assertWithinTolerance(run + " " + name, e, actual.get(name)));
    }

    /** Trains {@code model} as torch did, its shards computed by {@code executor} (null: in this process). */
    private static StepLosses train(TorchRun run, Mlp model, long total, ShardExecutor executor) {
        Dataset train = run.train();
        DataSplit data = new DataSplit(train, train);
        StepLosses losses = new StepLosses();
        Trainer trainer = executor == null
                ? new Trainer(model, data, run.config(SHARDS), run.optimizer(), run.rates(total), losses)
                : new Trainer(model, data, run.config(SHARDS), run.optimizer(), run.rates(total), losses, executor);
        TrainingResult result = trainer.run();
        assertEquals(total, result.steps(), run + ": steps taken");
        return losses;
    }

    private static void assertWithinTolerance(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape().dims(), actual.shape().dims(), what + " shape");
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.getFlat(i);
            double a = actual.getFlat(i);
            double tolerance = ATOL + RTOL * Math.abs(e);
            int index = i;
            assertTrue(Math.abs(a - e) <= tolerance, () -> what + " element " + index + ": " + a + " (expected: " + e
                    + ", torch; |diff| " + Math.abs(a - e) + " > " + tolerance + ")");
        }
    }

    /** Every step's mean loss as the trainer reports it. */
    private static final class StepLosses implements TrainingListener {
        final List<Double> losses = new ArrayList<>();

        @Override
        public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
            losses.add(loss);
        }

        @Override
        public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        }

        @Override
        public void onFinish(TrainingResult result) {
        }
    }
}
