package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.worker.WorkerResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Workers that die, hang, come back or never do, in runs over real sockets on 127.0.0.1 with real
 * {@link dev.chainrule.worker.Worker}s on threads and {@link ScriptedWorker}s failing at a step
 * drawn from a seeded random: the run goes on with the workers that are left, and its weights are
 * bit for bit those of the local Trainer with as many shards.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WorkerFailureTest {
    private static final ModelSpec SPEC = ModelSpec.of(8, 16, 3);
    private static final long INIT_SEED = 5;
    private static final Supplier<DataSplit> BLOBS = () -> new DataSplit(TrainingTestData.blobs("train", 100, 3, 8, 1.0, 1),
            TrainingTestData.blobs("test", 30, 3, 8, 1.0, 2));
    /** 10 batches of 10 per epoch, 2 epochs, 2 shards of 5 samples. */
    private static final TrainingConfig CONFIG = new TrainingConfig(10, 2, 0, true, 11, 2);
    private static final long TOTAL = 20;
    private static final Duration HEARTBEAT = Duration.ofMillis(100);
    private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private CoordinatorServer server;

    /** The step a scripted worker fails at: 1 ≤ step ≤ 16, drawn from {@code seed}. */
    private static long failingStep(long seed) {
        return new SplittableRandom(seed).nextLong(1, TOTAL - 3);
    }

    private static CoordinatorSettings settings(int workers) {
        return CoordinatorSettings.defaults(workers).withWorkerWait(Duration.ofSeconds(10)).withStepTimeout(Duration.ofSeconds(20))
                .withHeartbeatInterval(HEARTBEAT).withHeartbeatTimeout(HEARTBEAT_TIMEOUT).withReceiveTimeout(Duration.ofSeconds(30))
                .withChunkBytes(256);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS), "worker threads still running");
    }

    @Test
    void aWorkerThatDiesMidStepHasItsShardComputedByAnotherAndTheBitsDoNotChange() throws Exception {
        long failAt = failingStep(1);
        Mlp model = start(2, settings(2));
        Future<WorkerResult> steady = realWorker("steady");
        Future<ScriptedWorker.Outcome> dying = scripted("dying", failAt, ScriptedWorker.Failure.DIES_MID_GRADIENT);
        TestRuns.train(model, BLOBS.get(), CONFIG, "adam", server.executor());
        server.close();

        assertEquals(failAt, dying.get(30, TimeUnit.SECONDS).shards(), "one shard per step before it died");
        WorkerResult survivor = steady.get(30, TimeUnit.SECONDS);
        assertTrue(survivor.finished(), survivor.reason());
        assertEquals(2 * TOTAL - failAt, survivor.stats().shards(), "every other shard, its lost one of step " + failAt + " included");
        assertEquals(1, events.size(), events.toString());
        assertTrue(Pattern.matches("worker [01] \\(dying\\) disconnected \\(.*\\) during step " + failAt + " before sending shard [01];"
                + " reassigned shard [01] to worker [01] \\(steady\\)", events.get(0)), events.get(0));
        assertBitIdentical(local(), model);
    }

    @Test
    void aWorkerThatHangsIsDroppedAfterTheHeartbeatTimeoutAndItsShardComputedByAnother() throws Exception {
        long failAt = failingStep(2);
        Mlp model = start(2, settings(2));
        Future<WorkerResult> steady = realWorker("steady");
        Future<ScriptedWorker.Outcome> hanging = scripted("hanging", failAt, ScriptedWorker.Failure.HANGS);
        TestRuns.train(model, BLOBS.get(), CONFIG, "adam", server.executor());
        server.close();

        ScriptedWorker.Outcome hung = hanging.get(30, TimeUnit.SECONDS);
        assertEquals(failAt, hung.shards());
        assertEquals(Status.Code.DEADLINE_EXCEEDED, hung.status().getCode(), hung.status().toString());
        assertTrue(hung.status().getDescription().endsWith(" sent nothing (not even a heartbeat) for longer than the heartbeat timeout"
                + " of 1 s; the coordinator dropped it"), hung.status().getDescription());
        long millis = hung.detectedAfter().toMillis();
        // measured from its last message (not from when it hung: a loaded machine may delay its last heartbeats); the upper bound
        // is generous for a loaded machine and still far below the step timeout of 20 s
        assertTrue(millis >= 850 && millis < 10_000, "dropped " + millis + " ms after its last message (heartbeat timeout 1 s)");
        WorkerResult survivor = steady.get(30, TimeUnit.SECONDS);
        assertTrue(survivor.finished(), survivor.reason());
        assertEquals(2 * TOTAL - failAt, survivor.stats().shards());
        assertEquals(1, events.size(), events.toString());
        assertTrue(Pattern.matches("worker [01] \\(hanging\\) sent nothing for [1-9]\\.[0-9] s \\(heartbeat timeout 1 s\\) during step "
                + failAt + " before sending shard [01]; reassigned shard [01] to worker [01] \\(steady\\)", events.get(0)), events.get(0));
        assertBitIdentical(local(), model);
    }

    @Test
    void aReplacementThatJoinsLaterTakesShardsFromTheNextStep() throws Exception {
        long failAt = failingStep(3);
        Mlp model = start(2, settings(2));
        Future<WorkerResult> steady = realWorker("steady");
        Future<ScriptedWorker.Outcome> dying = scripted("dying", failAt, ScriptedWorker.Failure.DIES_MID_GRADIENT);
        List<Future<WorkerResult>> replacement = new ArrayList<>();
        // after step failAt, on the training thread: the replacement joins before the next step starts
        TestRuns.train(model, BLOBS.get(), CONFIG, "adam", server.executor(), afterStep(done -> {
            if (done == failAt + 1) {
                awaitTrue(() -> server.liveWorkers() == 1, "the dying worker to be removed");
                replacement.add(realWorker("replacement"));
                awaitTrue(() -> server.liveWorkers() == 2, "the replacement to join");
            }
        }));
        server.close();

        assertEquals(failAt, dying.get(30, TimeUnit.SECONDS).shards());
        WorkerResult joined = replacement.get(0).get(30, TimeUnit.SECONDS);
        assertTrue(joined.finished(), joined.reason());
        assertEquals(2, joined.workerId(), "ids are not reused");
        assertEquals(TOTAL - failAt - 1, joined.stats().shards(), "one shard in every step after step " + failAt);
        WorkerResult survivor = steady.get(30, TimeUnit.SECONDS);
        assertTrue(survivor.finished(), survivor.reason());
        assertEquals(TOTAL + 1, survivor.stats().shards(), "one per step, and two in step " + failAt);
        assertEquals("worker 2 (replacement) joined after step " + failAt + "; it takes shards from step " + (failAt + 1), events.get(1));
        assertBitIdentical(local(), model);
    }

    @Test
    void whenEveryWorkerIsGoneTheNextToJoinIsSentTheStepAndTheRunGoesOn() throws Exception {
        long failAt = failingStep(4);
        Mlp model = start(1, settings(1));
        Future<ScriptedWorker.Outcome> dying = scripted("only", failAt, ScriptedWorker.Failure.DIES_MID_GRADIENT);
        Future<TrainingResult> training = threads.submit(() -> TestRuns.train(model, BLOBS.get(), CONFIG, "adam", server.executor()));
        assertEquals(2 * failAt, dying.get(30, TimeUnit.SECONDS).shards(), "both shards of every step before it died");
        awaitTrue(() -> server.liveWorkers() == 0, "the worker to be removed");
        Future<WorkerResult> returning = realWorker("returning");
        assertEquals(TOTAL, training.get(60, TimeUnit.SECONDS).steps());
        server.close();

        WorkerResult joined = returning.get(30, TimeUnit.SECONDS);
        assertTrue(joined.finished(), joined.reason());
        assertEquals(2 * (TOTAL - failAt), joined.stats().shards(), "step " + failAt + " and every later one, whole");
        assertTrue(events.get(0).endsWith("during step " + failAt + " before sending shards 0, 1; no worker is left to compute them;"
                + " waiting for one to join"), events.get(0));
        assertEquals("worker 1 (returning) joined during step " + failAt + "; reassigned shards 0, 1 to worker 1 (returning)",
                events.get(1));
        assertBitIdentical(local(), model);
    }

    @Test
    void whenEveryWorkerIsGoneAndNoneJoinsTheStepFailsAfterTheWorkerWaitNamingTheLastLoss() throws Exception {
        long failAt = failingStep(5);
        Mlp model = start(1, settings(1).withWorkerWait(Duration.ofMillis(500)));
        Future<ScriptedWorker.Outcome> dying = scripted("only", failAt, ScriptedWorker.Failure.DIES_MID_GRADIENT);
        awaitTrue(() -> server.liveWorkers() == 1, "the worker to join"); // within the worker wait of 500 ms, before step 0
        Future<TrainingResult> training = threads.submit(() -> TestRuns.train(model, BLOBS.get(), CONFIG, "adam", server.executor()));
        long died = dying.get(30, TimeUnit.SECONDS).endedAtNanos(); // taken by the worker before it cancelled its call
        DistributedTrainingException e = failure(training);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - died);
        // at least the worker wait after the death; at most a bound far below the default wait of 60 s, generous on a loaded machine
        assertTrue(millis >= 400 && millis < 30_000, "failed " + millis + " ms after the last worker died (worker wait 500 ms)");
        assertTrue(Pattern.matches("step " + failAt + ": no worker is left to compute shards 0, 1 \\(the last, worker 0 \\(only\\)"
                + " disconnected \\(.*\\)\\); waited 500 ms for one to join", e.getMessage()), e.getMessage());
        assertEquals(failAt, server.executor().stepsCompleted());
    }

    /** Starts {@link #server} for {@code workers} workers on a free port, reporting to {@link #events}; returns its model. */
    private Mlp start(int workers, CoordinatorSettings settings) throws Exception {
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), model, BLOBS.get().train(), CONFIG, settings).start()
                .onWorkerEvent(events::add);
        assertEquals(settings.expectedWorkers(), workers);
        return model;
    }

    private Future<WorkerResult> realWorker(String name) {
        Dataset own = BLOBS.get().train();
        int port = server.port();
        return threads.submit(() -> TestRuns.runWorker(port, own, name));
    }

    private Future<ScriptedWorker.Outcome> scripted(String name, long failAt, ScriptedWorker.Failure failure) {
        ManagedChannel channel = TestRuns.channel(server.port());
        channels.add(channel);
        return threads.submit(new ScriptedWorker(channel, name, BLOBS.get().train(), SPEC, Activation.RELU, HEARTBEAT, failAt, failure));
    }

    /** The weights after training in this process with as many shards. */
    private static Mlp local() {
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, INIT_SEED);
        TrainingResult result = TestRuns.trainLocally(model, BLOBS.get(), CONFIG, "adam");
        assertEquals(TOTAL, result.steps());
        assertEquals(TOTAL, CONFIG.totalSteps(Trainer.batches(BLOBS.get().train(), CONFIG).batchesPerEpoch()));
        return model;
    }

    private static void assertBitIdentical(Mlp expected, Mlp actual) {
        List<int[]> e = TestRuns.bits(expected);
        List<int[]> a = TestRuns.bits(actual);
        assertEquals(e.size(), a.size());
        for (int i = 0; i < e.size(); i++) {
            assertArrayEquals(e.get(i), a.get(i), "parameter " + i + ": the local Trainer with 2 shards vs the run that lost a worker");
        }
    }

    /** A listener that calls {@code onStep} with the number of steps done, on the training thread. */
    private static TrainingListener afterStep(LongConsumer onStep) {
        return new TrainingListener() {
            @Override
            public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
                onStep.accept(step);
            }

            @Override
            public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
            }

            @Override
            public void onFinish(TrainingResult result) {
            }
        };
    }

    /** Waits (at most {@link #WAIT}) until {@code condition} holds. */
    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited " + WAIT + " for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for " + what);
            }
        }
    }

    private static DistributedTrainingException failure(Future<?> training) throws Exception {
        try {
            training.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertNotNull(e.getCause());
            return assertInstanceOf(DistributedTrainingException.class, e.getCause());
        }
        return fail("the run did not fail");
    }
}
