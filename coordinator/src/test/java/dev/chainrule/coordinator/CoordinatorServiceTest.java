package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.Heartbeat;
import dev.chainrule.proto.v1.Join;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.StepAssignment;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.Welcome;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.wire.TensorAssembler;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Session service and the remote executor over the in-process transport, with hand-driven workers. */
class CoordinatorServiceTest {
    private static final ModelSpec SPEC = ModelSpec.of(8, 16, 3);
    private static final Dataset TRAIN = TrainingTestData.blobs("train", 100, 3, 8, 1.0, 1);
    private static final TrainingConfig CONFIG = new TrainingConfig(10, 1, 15, true, 7, 3);
    private static final int CHUNK_BYTES = 256;

    private final TrainerThread trainerThread = new TrainerThread();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private CoordinatorServer server;
    private Mlp model;
    private StepReduction reduction;
    private String name;

    private void start(CoordinatorSettings settings) throws Exception {
        name = InProcessServerBuilder.generateName();
        model = Mlp.initialized(SPEC, Activation.RELU, 3);
        reduction = new StepReduction(model.parameters(), Optimizers.create("sgd", OptimizerSettings.defaults()));
        server = new CoordinatorServer(InProcessServerBuilder.forName(name), model, TRAIN, CONFIG, settings).start();
    }

    private static CoordinatorSettings settings(int workers) {
        return CoordinatorSettings.defaults(workers).withWorkerWait(Duration.ofSeconds(10)).withStepTimeout(Duration.ofSeconds(10))
                .withHeartbeatInterval(Duration.ofMillis(250)).withReceiveTimeout(Duration.ofSeconds(20)).withChunkBytes(CHUNK_BYTES);
    }

    private ManagedChannel channel() {
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        channels.add(channel);
        return channel;
    }

    private FakeWorker join(String worker) {
        return FakeWorker.joined(channel(), worker, TRAIN);
    }

    /** A worker that has joined and received its Welcome, with id {@code id}: workers join one after the other. */
    private FakeWorker welcomed(String worker, int id) throws InterruptedException {
        FakeWorker joined = join(worker);
        assertEquals(id, joined.take().getWelcome().getWorkerId());
        return joined;
    }

    /**
     * Step {@code step} on the trainer's thread, with plain SGD at rate 1 and no division, so that
     * every weight moves by minus its gradient sum; returns the mean loss.
     */
    private Future<Double> compute(long step, int[] batch, ShardPlan plan) {
        return trainerThread.compute(server, reduction, step, batch, plan, 1, 1.0);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        trainerThread.close();
    }

    @Test
    void joinIsAnsweredWithTheRunsWelcome() throws Exception {
        start(settings(2));
        Welcome first = join("host-a/pid-1").take().getWelcome();
        Welcome second = join("host-b/pid-2").take().getWelcome(); // joins after the first's Welcome
        assertEquals(0, first.getWorkerId());
        assertEquals(1, second.getWorkerId());
        assertEquals("8-16-3", first.getModelSpec());
        assertEquals("relu", first.getActivation());
        assertEquals(10, first.getConfig().getBatchSize());
        assertEquals(3, first.getConfig().getShards());
        assertEquals(15, first.getConfig().getTotalSteps());
        assertEquals(CHUNK_BYTES, first.getConfig().getChunkBytes());
        assertEquals(250, first.getConfig().getHeartbeatIntervalMillis());
        assertEquals(20_000, first.getConfig().getReceiveTimeoutMillis());
    }

    @Test
    void heartbeatsReportEachWorkersComputeAndCommunicationTime() throws Exception {
        start(settings(1));
        FakeWorker worker = join("host-a/pid-1");
        worker.take(); // the Welcome
        worker.send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(0).setComputeNanos(3_000_000)
                .setCommunicationNanos(5_000_000)).build());
        worker.send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(0).setComputeNanos(7_000_000)
                .setCommunicationNanos(9_000_000)).build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!server.workerTimes().snapshot().equals(List.of(
                new WorkerTimes.Entry("host-a/pid-1", Duration.ofMillis(7), Duration.ofMillis(9))))) {
            assertTrue(System.nanoTime() < deadline, "the latest heartbeat's times, got " + server.workerTimes().snapshot());
            Thread.sleep(5);
        }
    }

    @Test
    void aFirstMessageOtherThanJoinIsInvalid() throws Exception {
        start(settings(1));
        FakeWorker worker = new FakeWorker(channel());
        worker.send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(0)).build());
        assertStatus(worker, Status.Code.INVALID_ARGUMENT, "the first message must be Join (got: heartbeat)");
    }

    @Test
    void aWorkerWhoseDataDoesNotMatchIsRefusedNamingBothValues() throws Exception {
        start(settings(1));
        assertStatus(FakeWorker.joined(channel(), FakeWorker.join("w", TRAIN).setTrainSamples(90)), Status.Code.FAILED_PRECONDITION,
                "worker 'w' has 90 training samples but the coordinator's training set has 100");
        assertStatus(FakeWorker.joined(channel(), FakeWorker.join("w", TRAIN).setFeatures(9)), Status.Code.FAILED_PRECONDITION,
                "worker 'w''s samples have 9 features but the coordinator's have 8");
        assertStatus(FakeWorker.joined(channel(), FakeWorker.join("w", TRAIN).setProtocolVersion(2)), Status.Code.FAILED_PRECONDITION,
                "worker 'w' speaks protocol version 2 (expected: 3)");
    }

    @Test
    void aWorkerWhoseCopyOfTheDataDiffersInOnePixelIsRefusedNamingBothFingerprints() throws Exception {
        start(settings(1));
        float[] pixels = new float[TRAIN.size() * TRAIN.features()];
        int[] labels = new int[TRAIN.size()];
        for (int i = 0; i < TRAIN.size(); i++) {
            labels[i] = TRAIN.label(i);
            for (int j = 0; j < TRAIN.features(); j++) {
                pixels[i * TRAIN.features() + j] = TRAIN.feature(i, j);
            }
        }
        pixels[417] = Math.nextUp(pixels[417]);
        Dataset changed = Dataset.of("IDX /elsewhere", pixels, labels, TRAIN.features());
        assertNotEquals(TRAIN.fingerprint(), changed.fingerprint());
        assertStatus(FakeWorker.joined(channel(), FakeWorker.join("w", changed)), Status.Code.FAILED_PRECONDITION,
                "worker 'w''s training set ('IDX /elsewhere') has fingerprint " + changed.fingerprint() + " but the coordinator's ("
                        + TRAIN.source() + ") has " + TRAIN.fingerprint() + ": the copies differ (expected: the same files on every worker)");
        assertStatus(FakeWorker.joined(channel(), FakeWorker.join("w", TRAIN).setDataFingerprint("sha256:12")),
                Status.Code.INVALID_ARGUMENT, "worker 'w': Join.data_fingerprint 'sha256:12' (expected: \"sha256:\" and 64 lowercase hex"
                        + " digits, the SHA-256 of the worker's training set)");
    }

    @Test
    void aWorkerComputingWithAnotherKernelIsRefusedInAPortableRun() throws Exception {
        start(settings(1));
        assertStatus(FakeWorker.joined(channel(), FakeWorker.join("w", TRAIN).setKernel("OpenBLAS 0.3.31 SkylakeX")),
                Status.Code.FAILED_PRECONDITION, "worker 'w' computes with 'OpenBLAS 0.3.31 SkylakeX' but this run computes with "
                        + Kernels.PORTABLE + " (the portable kernel mode), whose bits are the same on every x86-64 CPU with AVX2 and"
                        + " FMA (expected: a worker started with --kernel portable on such a CPU; or run"
                        + " the coordinator with --kernel native to accept any kernel, giving up bits that do not depend on the CPU)");
        assertStatus(FakeWorker.joined(channel(), FakeWorker.join("w", TRAIN).clearKernel()), Status.Code.INVALID_ARGUMENT,
                "worker 'w': Join.kernel is missing (expected: the worker's matrix-product kernel, e.g. '" + Kernels.PORTABLE + "')");
        welcomed("a", 0);
    }

    @Test
    void workersBeyondTheExpectedNumberAreNotWanted() throws Exception {
        start(settings(1));
        welcomed("a", 0);
        assertStatus(join("b"), Status.Code.RESOURCE_EXHAUSTED, "the run already has 1 workers (expected: at most 1)");
    }

    @Test
    void twoWorkersAndThreeShards_theFirstComputesShards0And2() throws Exception {
        start(settings(2));
        FakeWorker a = welcomed("a", 0);
        FakeWorker b = welcomed("b", 1);
        int[] batch = {5, 17, 3, 99, 42, 0, 8, 61, 77, 12};
        float before = model.parameters().get(0).toFloatArray()[0];
        Future<Double> step = compute(0, batch, new ShardPlan(10, 3));

        List<CoordinatorMessage> toA = a.takeStep();
        List<CoordinatorMessage> toB = b.takeStep();
        assertWeightsOfStep(0, toA);
        assertWeightsOfStep(0, toB);
        StepAssignment forA = toA.get(toA.size() - 1).getAssignment();
        StepAssignment forB = toB.get(toB.size() - 1).getAssignment();
        assertEquals(List.of(0, 2), forA.getShardsList().stream().map(Shard::getIndex).toList());
        assertEquals(List.of(5, 17, 3, 99), forA.getShards(0).getSampleIndicesList());
        assertEquals(List.of(61, 77, 12), forA.getShards(1).getSampleIndicesList());
        assertEquals(List.of(1), forB.getShardsList().stream().map(Shard::getIndex).toList());
        assertEquals(List.of(42, 0, 8), forB.getShards(0).getSampleIndicesList());

        b.sendGradient(0, 1, 3, 1.5, filled(1), CHUNK_BYTES);
        a.sendGradient(0, 2, 3, 2.5, filled(2), CHUNK_BYTES);
        a.sendGradient(0, 0, 4, 0.5, filled(0), CHUNK_BYTES);
        assertEquals((0.5 + 1.5 + 2.5) / 10, step.get(10, TimeUnit.SECONDS), 1e-15);
        assertEquals(before - ((0f + 1f) + 2f), model.parameters().get(0).toFloatArray()[0], "the three shards' sum");
    }

    @Test
    void aMalformedGradientChunkEndsThatWorkersSessionAndItsShardGoesToTheNextWorker() throws Exception {
        start(settings(1));
        FakeWorker worker = welcomed("host-a/pid-42", 0);
        Future<Double> step = compute(0, new int[] {1, 2, 3}, new ShardPlan(3, 1));
        worker.takeStep();
        worker.send(WorkerMessage.newBuilder().setGradient(GradientChunk.newBuilder()
                .setStep(0).setShardIndex(0).setSampleCount(3)
                .setTensor(TensorChunk.newBuilder().setName("fc1.weight").addShape(16).addShape(8)
                        .setDtype(dev.chainrule.proto.v1.DType.FLOAT32).setOffset(4))).build());
        assertStatus(worker, Status.Code.INVALID_ARGUMENT, "step 0, shard 0: tensor 'fc1.weight': chunk at byte offset 4 (expected: 0)");
        FakeWorker replacement = welcomed("host-b/pid-7", 1); // the run goes on: the shard waits for the next worker
        List<CoordinatorMessage> toReplacement = replacement.takeStep();
        assertWeightsOfStep(0, toReplacement);
        assertEquals(List.of(0), toReplacement.get(toReplacement.size() - 1).getAssignment().getShardsList().stream()
                .map(Shard::getIndex).toList());
        replacement.sendGradient(0, 0, 3, 1.5, filled(1), CHUNK_BYTES);
        assertEquals(0.5, step.get(10, TimeUnit.SECONDS), 1e-15, "the replacement's loss sum over 3 samples");
    }

    @Test
    void aShardOfAnotherWorkerIsAFailedPreconditionAndTheOtherWorkerComputesItsShard() throws Exception {
        start(settings(2));
        FakeWorker a = welcomed("a", 0);
        FakeWorker b = welcomed("b", 1);
        Future<Double> step = compute(0, new int[] {1, 2, 3, 4}, new ShardPlan(4, 2));
        a.takeStep();
        b.takeStep();
        b.sendGradient(0, 0, 2, 0, filled(0), CHUNK_BYTES);
        assertStatus(b, Status.Code.FAILED_PRECONDITION,
                "step 0: shard 0 is not assigned to worker 1 (b) (expected: one of the shards it still owes, [1])");
        StepAssignment reassigned = a.take().getAssignment(); // b's shard, computed with the step's weights a holds
        assertEquals(List.of(1), reassigned.getShardsList().stream().map(Shard::getIndex).toList());
        a.sendGradient(0, 0, 2, 0.5, filled(0), CHUNK_BYTES);
        a.sendGradient(0, 1, 2, 1.5, filled(1), CHUNK_BYTES);
        assertEquals((0.5 + 1.5) / 4, step.get(10, TimeUnit.SECONDS), 1e-15);
    }

    @Test
    void aDuplicateShardIsAFailedPrecondition() throws Exception {
        start(settings(1));
        FakeWorker worker = welcomed("a", 0);
        ShardPlan plan = new ShardPlan(4, 2);
        Future<Double> step0 = compute(0, new int[] {1, 2, 3, 4}, plan);
        worker.takeStep();
        worker.sendGradient(0, 0, 2, 0, filled(0), CHUNK_BYTES);
        worker.sendGradient(0, 1, 2, 0, filled(1), CHUNK_BYTES);
        assertEquals(0.0, step0.get(10, TimeUnit.SECONDS));
        worker.sendGradient(0, 1, 2, 0, filled(1), CHUNK_BYTES);
        assertStatus(worker, Status.Code.FAILED_PRECONDITION,
                "step 0: shard 1 was already received from worker 0 (a) (expected: none: worker 0 (a) owes no shard of step 0)");
    }

    @Test
    void aGradientForAStepNotInProgressIsAFailedPrecondition() throws Exception {
        start(settings(1));
        FakeWorker worker = welcomed("a", 0);
        Future<Double> step = compute(4, new int[] {1, 2}, new ShardPlan(2, 1));
        worker.takeStep();
        worker.sendGradient(3, 0, 2, 0, filled(0), CHUNK_BYTES);
        assertStatus(worker, Status.Code.FAILED_PRECONDITION, "stale gradient for step 3 from worker 0 (a) (expected: step 4, the step in progress)");
        FakeWorker replacement = welcomed("b", 1);
        replacement.takeStep();
        replacement.sendGradient(5, 0, 2, 0, filled(0), CHUNK_BYTES);
        assertStatus(replacement, Status.Code.FAILED_PRECONDITION,
                "future gradient for step 5 from worker 1 (b) (expected: step 4, the step in progress)");
        step.cancel(true);
    }

    @Test
    void closeSendsStopWithTheReasonAndCompletesTheStreams() throws Exception {
        start(settings(1));
        FakeWorker worker = welcomed("a", 0);
        server.close();
        CoordinatorMessage stop = worker.take();
        assertFalse(stop.getStop().getFinished());
        assertEquals("the coordinator closed after 0 of 15 steps", stop.getStop().getReason());
        worker.awaitCompleted();
    }

    /**
     * The weights chunks of {@code step} before its assignment, each parameter's final chunk marked
     * last, equal the model's parameters bit for bit.
     */
    private void assertWeightsOfStep(long step, List<CoordinatorMessage> messages) {
        TensorAssembler assembler = new TensorAssembler(Mlp.parameterShapes(SPEC));
        for (int i = 0; i < messages.size() - 1; i++) {
            assertEquals(step, messages.get(i).getWeights().getStep());
            String name = messages.get(i).getWeights().getTensor().getName();
            boolean tensorEnds = i == messages.size() - 2 || !messages.get(i + 1).getWeights().getTensor().getName().equals(name);
            assertEquals(tensorEnds, messages.get(i).getWeights().getLast(), "chunk " + i + " of " + name);
            assertTrue(messages.get(i).getWeights().getTensor().getData().size() <= CHUNK_BYTES);
            assembler.accept(messages.get(i).getWeights().getTensor());
        }
        Map<String, Tensor> weights = assembler.complete();
        model.namedParameters().forEach((n, p) -> assertArrayEquals(TestRuns.bits(p), TestRuns.bits(weights.get(n)), n));
    }

    /** Gradients for every parameter with every element {@code value}. */
    private static Map<String, Tensor> filled(double value) {
        Map<String, Tensor> gradients = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> p : Mlp.parameterShapes(SPEC).entrySet()) {
            gradients.put(p.getKey(), Tensor.full(DType.FLOAT32, value, p.getValue()));
        }
        return gradients;
    }

    private static void assertStatus(FakeWorker worker, Status.Code code, String description) throws InterruptedException {
        Status status = worker.awaitError();
        assertEquals(code, status.getCode(), status.toString());
        assertEquals(description, status.getDescription());
    }

    private static DistributedTrainingException failure(Future<?> step) throws Exception {
        try {
            step.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return assertInstanceOf(DistributedTrainingException.class, e.getCause());
        }
        return fail("the step did not fail");
    }
}
