package dev.chainrule.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.Join;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.StepAssignment;
import dev.chainrule.proto.v1.Stop;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.TrainingConfig;
import dev.chainrule.proto.v1.WeightsChunk;
import dev.chainrule.proto.v1.Welcome;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.LocalShardExecutor;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.wire.TensorChunks;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker against a hand-driven coordinator over the in-process transport. */
class WorkerTest {
    private static final ModelSpec SPEC = ModelSpec.of(5, 7, 3);
    private static final Dataset TRAIN = randomData(20, 5, 3, 42);
    private static final int CHUNK_BYTES = 64;

    private final FakeCoordinator coordinator = new FakeCoordinator();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private Server server;
    private ManagedChannel channel;

    /**
     * A real socket on loopback, as the worker uses in production: the gradients it sends view its
     * recycled buffers, which Netty copies as each message is written, while the in-process transport
     * would read them later.
     */
    @BeforeEach
    void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(coordinator).build().start();
        channel = ChannelSecurity.plaintext().newChannel("127.0.0.1:" + server.getPort());
    }

    @AfterEach
    void stop() throws InterruptedException {
        threads.shutdownNow();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        assertTrue(threads.awaitTermination(5, TimeUnit.SECONDS), "worker threads did not end");
    }

    @Test
    void computesTheAssignedShardsWithTheWeightsItIsSentAndStopsOnStop() throws Exception {
        Future<WorkerResult> run = runWorker("host-a/pid-1", Duration.ofSeconds(5));
        FakeCoordinator.Call call = coordinator.awaitCall();
        Join join = call.take().getJoin();
        assertEquals("host-a/pid-1", join.getWorkerName());
        assertEquals(3, join.getProtocolVersion());
        assertEquals(20, join.getTrainSamples());
        assertEquals(5, join.getFeatures());
        assertEquals(TRAIN.fingerprint(), join.getDataFingerprint());
        assertTrue(join.getDataFingerprint().matches("sha256:[0-9a-f]{64}"), join.getDataFingerprint());
        assertEquals(TRAIN.source(), join.getDataSource());
        assertEquals(Kernels.PORTABLE, join.getKernel());
        call.send(welcome(7, 5_000, 1_000));

        Mlp step0 = Mlp.initialized(SPEC, Activation.RELU, 11);
        sendWeights(call, 0, step0);
        call.send(assignment(0, shard(1, 3, 4, 5), shard(3, 9, 0)));
        assertShardGradient(call, step0, 0, 1, new int[] {3, 4, 5});
        assertShardGradient(call, step0, 0, 3, new int[] {9, 0});

        Mlp step1 = Mlp.initialized(SPEC, Activation.RELU, 12);
        sendWeights(call, 1, step1);
        call.send(assignment(1, shard(0, 1, 2)));
        assertShardGradient(call, step1, 1, 0, new int[] {1, 2});

        call.send(stop("done", true));
        call.awaitCompleted();
        call.out.onCompleted();
        WorkerResult result = run.get(10, TimeUnit.SECONDS);
        assertEquals(7, result.workerId());
        assertTrue(result.finished());
        assertEquals("done", result.reason());
        assertEquals(2, result.stats().steps());
        assertEquals(3, result.stats().shards());
        assertEquals(7, result.stats().samples());
        assertTrue(result.stats().computeTime().toNanos() > 0);
        assertTrue(result.stats().communicationTime().toNanos() > 0);
    }

    @Test
    void computesAFurtherAssignmentOfTheSameStepWithThatStepsWeights() throws Exception {
        Future<WorkerResult> run = runWorker("w", Duration.ofSeconds(5));
        FakeCoordinator.Call call = coordinator.awaitJoin();
        call.send(welcome(0, 5_000, 1_000));
        Mlp step4 = Mlp.initialized(SPEC, Activation.RELU, 21);
        sendWeights(call, 4, step4); // a worker joining a run in progress starts from whatever step it is sent
        call.send(assignment(4, shard(0, 1, 2)));
        assertShardGradient(call, step4, 4, 0, new int[] {1, 2});
        // the coordinator lost another worker and hands over its shards of step 4: no new weights
        call.send(assignment(4, shard(2, 7, 8, 9), shard(3, 10)));
        assertShardGradient(call, step4, 4, 2, new int[] {7, 8, 9});
        assertShardGradient(call, step4, 4, 3, new int[] {10});

        Mlp step5 = Mlp.initialized(SPEC, Activation.RELU, 22);
        sendWeights(call, 5, step5);
        call.send(assignment(5, shard(1, 4)));
        assertShardGradient(call, step5, 5, 1, new int[] {4});
        call.send(stop("done", true));
        WorkerResult result = run.get(10, TimeUnit.SECONDS);
        assertEquals(2, result.stats().steps(), "steps 4 and 5, counted once each");
        assertEquals(4, result.stats().shards());
        assertEquals(7, result.stats().samples());
    }

    @Test
    void sendsHeartbeatsWhileWaiting() throws Exception {
        Future<WorkerResult> run = runWorker("w", Duration.ofSeconds(5));
        FakeCoordinator.Call call = coordinator.awaitJoin();
        call.send(welcome(0, 5_000, 20));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (call.heartbeats.get() < 3) {
            assertTrue(System.nanoTime() < deadline, "3 heartbeats within 5 s; got " + call.heartbeats.get());
            Thread.sleep(10);
        }
        call.send(stop("not needed", false));
        WorkerResult result = run.get(10, TimeUnit.SECONDS);
        assertFalse(result.finished());
        assertEquals("not needed", result.reason());
        assertEquals(0, result.stats().shards());
    }

    @Test
    void failsNamingTheStepWhenTheCoordinatorGoesSilent() throws Exception {
        Future<WorkerResult> run = runWorker("w", Duration.ofSeconds(5));
        FakeCoordinator.Call call = coordinator.awaitJoin();
        call.send(welcome(0, 300, 1_000));
        sendWeights(call, 0, Mlp.initialized(SPEC, Activation.RELU, 1));
        WorkerException e = failure(run);
        assertEquals("no message from the coordinator within 300 ms while waiting for the weights or the assignment of step 0",
                e.getMessage());
        assertEquals(Status.Code.CANCELLED, call.awaitError().getCode());
    }

    @Test
    void failsWhenNoWelcomeArrivesWithinTheConnectTimeout() throws Exception {
        // long enough that the in-process transport takes the Join in time on a loaded machine; the Welcome never comes
        Future<WorkerResult> run = runWorker("w", Duration.ofSeconds(2));
        coordinator.awaitJoin();
        WorkerException e = failure(run);
        assertEquals("no message from the coordinator within 2 s while waiting for the Welcome", e.getMessage());
    }

    @Test
    void waitsForTheCoordinatorAtMostTheConnectTimeout() throws Exception {
        ManagedChannel nowhere = InProcessChannelBuilder.forName(InProcessServerBuilder.generateName()).build();
        try {
            Future<WorkerResult> run = threads.submit(() -> new Worker(nowhere, TRAIN, "w", Duration.ofMillis(200)).run());
            assertEquals("the coordinator did not take Join within 200 ms", failure(run).getMessage());
        } finally {
            nowhere.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void joinsACoordinatorThatStartsAfterIt() throws Exception {
        String later = InProcessServerBuilder.generateName();
        ManagedChannel toLater = InProcessChannelBuilder.forName(later).build();
        FakeCoordinator lateCoordinator = new FakeCoordinator();
        Server lateServer = null;
        try {
            Future<WorkerResult> run = threads.submit(() -> new Worker(toLater, TRAIN, "early", Duration.ofSeconds(10)).run());
            Thread.sleep(100);
            lateServer = InProcessServerBuilder.forName(later).addService(lateCoordinator).build().start();
            toLater.enterIdle(); // an idle channel reconnects at once instead of after its backoff
            FakeCoordinator.Call call = lateCoordinator.awaitJoin();
            call.send(stop("no work", false));
            assertEquals("no work", run.get(10, TimeUnit.SECONDS).reason());
        } finally {
            toLater.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            if (lateServer != null) {
                lateServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void failsWithTheStatusDescriptionWhenTheCoordinatorEndsTheSession() throws Exception {
        Future<WorkerResult> run = runWorker("w", Duration.ofSeconds(5));
        FakeCoordinator.Call call = coordinator.awaitJoin();
        call.out.onError(Status.FAILED_PRECONDITION.withDescription("worker 'w' has 20 training samples but the coordinator's has 60")
                .asRuntimeException());
        WorkerException e = failure(run);
        assertTrue(e.getMessage().contains("FAILED_PRECONDITION: worker 'w' has 20 training samples but the coordinator's has 60"),
                e.getMessage());
    }

    @Test
    void cancelsTheSessionWhenAnAssignmentComesWithoutItsWeights() throws Exception {
        Future<WorkerResult> run = runWorker("w", Duration.ofSeconds(5));
        FakeCoordinator.Call call = coordinator.awaitJoin();
        call.send(welcome(0, 5_000, 1_000));
        call.send(assignment(0, shard(0, 1)));
        WorkerException e = failure(run);
        assertEquals("the coordinator broke the protocol: the assignment of step 0 came before its weights of [fc1.weight (none yet),"
                + " fc1.bias (none yet), fc2.weight (none yet), fc2.bias (none yet)]", e.getMessage());
        assertEquals(Status.Code.CANCELLED, call.awaitError().getCode());
    }

    @Test
    void takesParametersOneAtATimeAndComputesOnlyWhenAllHoldTheStepsWeights() throws Exception {
        Future<WorkerResult> run = runWorker("w", Duration.ofSeconds(5));
        FakeCoordinator.Call call = coordinator.awaitJoin();
        call.send(welcome(0, 5_000, 1_000));
        Mlp step0 = Mlp.initialized(SPEC, Activation.RELU, 31);
        Mlp step1 = Mlp.initialized(SPEC, Activation.RELU, 32);
        sendWeights(call, 0, step0);
        call.send(assignment(0, shard(0, 1, 2)));
        assertShardGradient(call, step0, 0, 0, new int[] {1, 2});
        // step 1's parameters arrive one by one, the last layer's first, as the coordinator updates them
        List<String> names = List.copyOf(step1.namedParameters().keySet());
        for (int p = names.size() - 1; p >= 0; p--) {
            sendParameter(call, 1, names.get(p), step1.namedParameters().get(names.get(p)));
        }
        // then a shard of step 0 to recompute: the coordinator sends step 0's fc1.weight again first; the rest must be step 0's too
        sendParameter(call, 0, "fc1.weight", step0.namedParameters().get("fc1.weight"));
        call.send(assignment(0, shard(2, 5)));
        WorkerException e = failure(run);
        assertEquals("the coordinator broke the protocol: the assignment of step 0 came before its weights of [fc1.bias (step 1),"
                + " fc2.weight (step 1), fc2.bias (step 1)]", e.getMessage());
    }

    @Test
    void aParametersFinalChunkMustBeMarkedLastAndNoOtherMay() throws Exception {
        Future<WorkerResult> run = runWorker("w", Duration.ofSeconds(5));
        FakeCoordinator.Call call = coordinator.awaitJoin();
        call.send(welcome(0, 5_000, 1_000));
        Tensor bias = Mlp.initialized(SPEC, Activation.RELU, 31).namedParameters().get("fc1.bias");
        List<TensorChunk> chunks = TensorChunks.of("fc1.bias", bias, 8);
        call.send(CoordinatorMessage.newBuilder().setWeights(WeightsChunk.newBuilder().setStep(0).setTensor(chunks.get(0)).setLast(true))
                .build());
        assertEquals("the coordinator broke the protocol: weights of 'fc1.bias' for step 0: a chunk marked last before the tensor was"
                + " complete (expected: the rest of tensor 'fc1.bias' from byte offset 8 of 28)", failure(run).getMessage());
    }

    private Future<WorkerResult> runWorker(String name, Duration connectTimeout) {
        Worker worker = new Worker(channel, TRAIN, name, connectTimeout);
        return threads.submit(worker::run);
    }

    private static WorkerException failure(Future<WorkerResult> run) throws InterruptedException, TimeoutException {
        try {
            run.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return assertInstanceOf(WorkerException.class, e.getCause());
        }
        return fail("the worker did not fail");
    }

    private static CoordinatorMessage welcome(int id, long receiveTimeoutMillis, long heartbeatMillis) {
        return CoordinatorMessage.newBuilder().setWelcome(Welcome.newBuilder()
                .setWorkerId(id)
                .setModelSpec(SPEC.toString())
                .setActivation("relu")
                .setConfig(TrainingConfig.newBuilder()
                        .setBatchSize(10)
                        .setShards(4)
                        .setTotalSteps(2)
                        .setChunkBytes(CHUNK_BYTES)
                        .setHeartbeatIntervalMillis(heartbeatMillis)
                        .setReceiveTimeoutMillis(receiveTimeoutMillis))).build();
    }

    private static CoordinatorMessage stop(String reason, boolean finished) {
        return CoordinatorMessage.newBuilder().setStop(Stop.newBuilder().setReason(reason).setFinished(finished)).build();
    }

    private static void sendWeights(FakeCoordinator.Call call, long step, Mlp model) {
        model.namedParameters().forEach((name, values) -> sendParameter(call, step, name, values));
    }

    /** One parameter's weights of {@code step}, its final chunk marked last. */
    private static void sendParameter(FakeCoordinator.Call call, long step, String name, Tensor values) {
        List<TensorChunk> chunks = TensorChunks.of(name, values, CHUNK_BYTES);
        for (int i = 0; i < chunks.size(); i++) {
            call.send(CoordinatorMessage.newBuilder().setWeights(WeightsChunk.newBuilder()
                    .setStep(step).setTensor(chunks.get(i)).setLast(i == chunks.size() - 1)).build());
        }
    }

    private static Shard shard(int index, int... samples) {
        Shard.Builder shard = Shard.newBuilder().setIndex(index);
        for (int s : samples) {
            shard.addSampleIndices(s);
        }
        return shard.build();
    }

    private static CoordinatorMessage assignment(long step, Shard... shards) {
        return CoordinatorMessage.newBuilder().setAssignment(StepAssignment.newBuilder().setStep(step).addAllShards(List.of(shards)))
                .build();
    }

    /** Receives one shard's chunks and checks them against the local computation, bit for bit. */
    private static void assertShardGradient(FakeCoordinator.Call call, Mlp weights, long step, int shard, int[] samples)
            throws InterruptedException {
        ShardGradient expected = LocalShardExecutor.shardGradient(weights, TRAIN, samples);
        TensorAssembler assembler = new TensorAssembler(Mlp.parameterShapes(SPEC));
        int chunks = 0;
        List<String> order = new ArrayList<>();
        while (true) {
            GradientChunk chunk = call.take().getGradient();
            chunks++;
            if (order.isEmpty() || !order.get(order.size() - 1).equals(chunk.getTensor().getName())) {
                order.add(chunk.getTensor().getName());
            }
            assertEquals(step, chunk.getStep());
            assertEquals(shard, chunk.getShardIndex());
            assertEquals(samples.length, chunk.getSampleCount());
            assertEquals(Double.doubleToLongBits(expected.lossSum()), Double.doubleToLongBits(chunk.getLossSum()));
            assertTrue(chunk.getTensor().getData().size() <= CHUNK_BYTES);
            assembler.accept(chunk.getTensor());
            if (chunk.getLast()) {
                break;
            }
        }
        assertTrue(chunks > 4, "the 64-byte chunks cut the 5-7-3 gradients into several messages: " + chunks);
        assertEquals(4, order.size(), "each parameter's chunks together: " + order);
        assertTrue(order.get(0).startsWith("fc2.") && order.get(1).startsWith("fc2."), "the last layer first, as backward makes it: "
                + order);
        Map<String, Tensor> received = assembler.complete();
        List<String> names = List.copyOf(Mlp.parameterShapes(SPEC).keySet());
        for (int i = 0; i < names.size(); i++) {
            assertArrayEquals(bits(expected.gradients().get(i)), bits(received.get(names.get(i))), names.get(i));
        }
    }

    private static int[] bits(Tensor t) {
        float[] values = t.toFloatArray();
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    /** {@code n} samples of standard normal features; labels cycle through {@code classes}. */
    private static Dataset randomData(int n, int width, int classes, long seed) {
        int[] labels = new int[n];
        Arrays.setAll(labels, i -> i % classes);
        return Dataset.of("random", Tensor.randn(DType.FLOAT32, seed, n, width).toFloatArray(), labels, width);
    }
}
