package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.worker.WorkerResult;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Distributed runs over real sockets on 127.0.0.1, each worker on its own thread with its own copy
 * of the data, against the single-process Trainer with as many shards: the weights must agree bit
 * for bit.
 */
class DistributedTrainingTest {
    private static final ModelSpec SPEC = ModelSpec.of(8, 16, 3);
    private static final long INIT_SEED = 5;
    private static final Supplier<DataSplit> BLOBS = () -> new DataSplit(TrainingTestData.blobs("train", 100, 3, 8, 1.0, 1),
            TrainingTestData.blobs("test", 30, 3, 8, 1.0, 2));
    private CoordinatorServer server;
    private ManagedChannel channel;

    @ParameterizedTest(name = "batch {0}, {1} workers")
    @CsvSource({"10, 1", "10, 2", "10, 3", "12, 1", "12, 2", "12, 3"}) // batch 12: the last batch of an epoch has 4 samples
    void adamMatchesTheLocalTrainerWithAsManyShardsBitForBit(int batch, int workers) throws Exception {
        TrainingConfig config = new TrainingConfig(batch, 1, 15, true, 11, workers);
        assertBitIdentical(local(SPEC, BLOBS, config, "adam"), distributed(SPEC, BLOBS, config, "adam", workers));
    }

    @Test
    void momentumMatchesTheLocalTrainerBitForBit() throws Exception {
        TrainingConfig config = new TrainingConfig(12, 1, 15, true, 3, 3);
        assertBitIdentical(local(SPEC, BLOBS, config, "momentum"), distributed(SPEC, BLOBS, config, "momentum", 3));
    }

    @Test
    void twoDistributedRunsWithTheSameSeedGiveTheSameBits() throws Exception {
        TrainingConfig config = new TrainingConfig(10, 1, 15, true, 23, 2);
        assertBitIdentical(distributed(SPEC, BLOBS, config, "adam", 2), distributed(SPEC, BLOBS, config, "adam", 2));
    }

    @Test
    void moreShardsThanWorkersMatchesTheLocalTrainerWithAsManyShards() throws Exception {
        // batch 12 over 100 samples: the ninth batch has 4 samples, so one of its 5 shards is empty
        TrainingConfig config = new TrainingConfig(12, 1, 15, true, 11, 5);
        assertBitIdentical(local(SPEC, BLOBS, config, "adam"), distributed(SPEC, BLOBS, config, "adam", 2));
    }

    @Test
    void aModelFarAboveGrpcsMessageLimitTravelsInChunks() throws Exception {
        ModelSpec big = ModelSpec.of(784, 2048, 2048, 10);
        assertTrue(big.parameterCount() * 4 > 20_000_000, "≈ 23 MB of weights");
        Supplier<DataSplit> data = () -> new DataSplit(TrainingTestData.blobs("train", 32, 10, 784, 1.0, 1),
                TrainingTestData.blobs("test", 8, 10, 784, 1.0, 2));
        TrainingConfig config = new TrainingConfig(16, 1, 2, true, 9, 2);
        assertBitIdentical(local(big, data, config, "adam"), distributed(big, data, config, "adam", 2));
    }

    @Test
    void aWorkerThatNeverAnswersFailsTheStepNamingItAndTheStep() throws Exception {
        DataSplit data = BLOBS.get();
        TrainingConfig config = new TrainingConfig(10, 1, 15, true, 11, 1);
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        start(model, data, config, CoordinatorSettings.defaults(1).withStepTimeout(Duration.ofMillis(500)));
        FakeWorker silent = FakeWorker.joined(channel, "host-a/pid-42", data.train());
        silent.take();
        long start = System.nanoTime();
        DistributedTrainingException e = assertThrows(DistributedTrainingException.class,
                () -> TestRuns.train(model, data, config, "adam", server.executor()));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // the step timeout of 500 ms, not the default of 60 s; generous for a loaded machine
        assertTrue(millis < 30_000, "failed after " + millis + " ms (step timeout 500 ms)");
        assertTrue(e.getMessage().matches("step 0: no gradient for shard 0 from worker 0 \\(host-a/pid-42, last heard from "
                + "[0-9.]+ m?s ago\\) within 500 ms"), e.getMessage());
        server.close();
        List<CoordinatorMessage> step = silent.takeStep();
        assertTrue(step.get(step.size() - 1).hasAssignment());
        CoordinatorMessage stop = silent.take();
        assertFalse(stop.getStop().getFinished());
        assertEquals(e.getMessage(), stop.getStop().getReason());
    }

    @Test
    void workersThatNeverComeFailTheFirstStepAfterTheWorkerWait() throws Exception {
        DataSplit data = BLOBS.get();
        TrainingConfig config = new TrainingConfig(10, 1, 15, true, 11, 2);
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        start(model, data, config, CoordinatorSettings.defaults(2).withWorkerWait(Duration.ofMillis(300)));
        FakeWorker.joined(channel, "only", data.train()).take();
        DistributedTrainingException e = assertThrows(DistributedTrainingException.class,
                () -> TestRuns.train(model, data, config, "adam", server.executor()));
        assertEquals("waited 300 ms for 2 workers to join; 1 joined: [worker 0 (only)]", e.getMessage());
    }

    /** Starts {@link #server} on a free port and opens {@link #channel} to it, for a hand-driven worker. */
    private void start(Mlp model, DataSplit data, TrainingConfig config, CoordinatorSettings settings) throws IOException {
        server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), model, data.train(), config, settings).start();
        channel = TestRuns.channel(server.port());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    /** The weights after training in this process with {@code config.shards()} shards. */
    private static List<int[]> local(ModelSpec spec, Supplier<DataSplit> data, TrainingConfig config, String optimizer) {
        Mlp model = Mlp.initialized(spec, Activation.RELU, INIT_SEED);
        TestRuns.trainLocally(model, data.get(), config, optimizer);
        return TestRuns.bits(model);
    }

    /** The weights after training with {@code workers} workers over TCP; every worker must end with Stop(finished). */
    private static List<int[]> distributed(ModelSpec spec, Supplier<DataSplit> data, TrainingConfig config, String optimizer, int workers)
            throws Exception {
        DataSplit split = data.get();
        Mlp model = Mlp.initialized(spec, Activation.RELU, INIT_SEED);
        CoordinatorSettings settings = CoordinatorSettings.defaults(workers).withWorkerWait(Duration.ofSeconds(20))
                .withStepTimeout(Duration.ofSeconds(30)).withReceiveTimeout(Duration.ofSeconds(60));
        ExecutorService threads = Executors.newFixedThreadPool(workers);
        CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), model, split.train(), config, settings)
                .start();
        try {
            List<Future<WorkerResult>> results = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                String name = "worker-" + i;
                Dataset own = data.get().train();
                results.add(threads.submit(() -> TestRuns.runWorker(server.port(), own, name)));
            }
            TestRuns.train(model, split, config, optimizer, server.executor());
            server.close();
            long shards = 0;
            for (Future<WorkerResult> result : results) {
                WorkerResult r = result.get(30, TimeUnit.SECONDS);
                assertTrue(r.finished(), r.reason());
                shards += r.stats().shards();
            }
            assertTrue(shards > 0);
        } finally {
            server.close();
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        }
        return TestRuns.bits(model);
    }

    private static void assertBitIdentical(List<int[]> expected, List<int[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "parameter " + i);
        }
    }
}
