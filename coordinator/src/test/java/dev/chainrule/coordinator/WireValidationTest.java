package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.DataSplit;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.Heartbeat;
import dev.chainrule.proto.v1.Join;
import dev.chainrule.proto.v1.Leave;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.Welcome;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.LocalShardExecutor;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingResult;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.wire.TensorChunks;
import dev.chainrule.worker.WorkerResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input against a real coordinator: a Netty server on 127.0.0.1, a real run in progress with two
 * real {@link dev.chainrule.worker.Worker}s on threads, and a raw client ({@link FakeWorker}: the
 * generated stub and hand-made protos) that breaks the contract one way per case. Each case asserts
 * the exact status code and description (what was expected and what arrived), that the coordinator
 * reports it in exactly one worker event line, that it keeps serving (the next case is served by the same server, and the run completes), and the
 * weights: every step starts from the weights of a run without the bad clients, and the final
 * weights are those of that run bit for bit.
 *
 * <p>How one run serves every case: the trainer's executor is gated, one step per step case. A bad
 * client joins as the third worker, then its step is let through: with 6 shards over 3 workers it
 * owes 2 shards, so the step stays in progress until the bad client is dropped, and then its shards
 * are recomputed by the good workers. Join cases need no step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WireValidationTest {
    private static final ModelSpec SPEC = ModelSpec.of(8, 16, 3);
    private static final Activation ACTIVATION = Activation.RELU;
    private static final Map<String, Shape> PARAMS = Mlp.parameterShapes(SPEC);
    private static final String W1 = "fc1.weight";
    private static final String B1 = "fc1.bias";
    private static final String W2 = "fc2.weight";
    private static final String B2 = "fc2.bias";
    private static final int SHARDS = 6;
    private static final int CHUNK_BYTES = 256;
    private static final int MESSAGE_LIMIT = CHUNK_BYTES + CoordinatorSettings.MESSAGE_OVERHEAD_BYTES;
    private static final int GOOD_WORKERS = 2;
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final List<Case> JOIN_CASES = joinCases();
    private static final List<Case> STEP_CASES = stepCases();
    private static final TrainingConfig CONFIG = new TrainingConfig(10, 1, STEP_CASES.size() + 8, true, 11, SHARDS);
    private static final CoordinatorSettings SETTINGS = CoordinatorSettings.defaults(GOOD_WORKERS + 1).withWorkerWait(WAIT)
            .withStepTimeout(WAIT).withHeartbeatInterval(Duration.ofMillis(250)).withReceiveTimeout(Duration.ofSeconds(60))
            .withChunkBytes(CHUNK_BYTES);

    private static List<List<int[]>> reference;
    private static List<int[]> referenceFinal;
    private static ExecutorService threads;
    private static CoordinatorServer server;
    private static ManagedChannel channel;
    private static Mlp model;
    private static GatedExecutor gate;
    private static Future<TrainingResult> training;
    private static final List<Future<WorkerResult>> goodWorkers = new ArrayList<>();
    private static int highestId = GOOD_WORKERS - 1;
    /** The coordinator's worker event lines. */
    private static final List<String> events = new CopyOnWriteArrayList<>();

    private static DataSplit data() {
        return new DataSplit(TrainingTestData.blobs("train", 100, 3, 8, 1.0, 1), TrainingTestData.blobs("test", 30, 3, 8, 1.0, 2));
    }

    @BeforeAll
    static void startARun() throws Exception {
        assertEquals(List.of(W1, B1, W2, B2), List.copyOf(PARAMS.keySet()));
        // the reference: the same run in this process, with as many shards, every step's starting weights recorded
        Mlp local = Mlp.initialized(SPEC, ACTIVATION, 5);
        List<List<int[]>> steps = new ArrayList<>();
        DataSplit localData = data();
        LocalShardExecutor computeHere = new LocalShardExecutor(local, localData.train());
        train(local, localData, (step, batch, plan, reduction) -> {
            steps.add(TestRuns.bits(local));
            return computeHere.compute(step, batch, plan, reduction);
        });
        reference = steps;
        referenceFinal = TestRuns.bits(local);

        threads = Executors.newFixedThreadPool(GOOD_WORKERS + 1);
        model = Mlp.initialized(SPEC, ACTIVATION, 5);
        DataSplit remoteData = data();
        server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), model, remoteData.train(), CONFIG, SETTINGS)
                .onWorkerEvent(events::add).start();
        channel = TestRuns.channel(server.port());
        for (int i = 0; i < GOOD_WORKERS; i++) {
            String name = "good-" + i;
            goodWorkers.add(threads.submit(() -> TestRuns.runWorker(server.port(), data().train(), name)));
        }
        awaitLiveWorkers(GOOD_WORKERS); // worker ids 0 and 1: every bad client joins after them
        gate = new GatedExecutor(server.executor());
        training = threads.submit(() -> train(model, remoteData, gate));
    }

    @AfterAll
    static void stopTheRun() throws InterruptedException {
        if (gate != null) {
            gate.open();
        }
        if (server != null) {
            server.close();
        }
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (threads != null) {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS), "threads still running");
        }
    }

    static Stream<Case> joinCases_() {
        return JOIN_CASES.stream();
    }

    static Stream<Case> stepCases_() {
        return STEP_CASES.stream();
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("joinCases_")
    void refusedAtJoin(Case c) throws Exception {
        run(c);
    }

    @Order(2)
    @ParameterizedTest(name = "{0}")
    @MethodSource("stepCases_")
    void rejectedDuringAStep(Case c) throws Exception {
        run(c);
    }

    @Order(3)
    @Test
    void theRunCompletesWithTheWeightsOfARunWithoutTheBadClients() throws Exception {
        gate.open();
        TrainingResult result = training.get(60, TimeUnit.SECONDS);
        assertEquals(CONFIG.steps(), result.steps());
        server.close();
        for (Future<WorkerResult> worker : goodWorkers) {
            WorkerResult r = worker.get(30, TimeUnit.SECONDS);
            assertTrue(r.finished(), "good worker " + r.workerId() + " stopped: " + r.reason());
        }
        assertEquals(reference.size(), gate.starts.size(), "steps");
        for (int step = 0; step < reference.size(); step++) {
            assertBitsEqual(reference.get(step), gate.starts.get(step), "the weights step " + step + " started from");
        }
        assertBitsEqual(referenceFinal, TestRuns.bits(model), "the final weights");
    }

    /** One bad client's case: joins (when {@code joins}), takes a step (when {@code step}), misbehaves, gets {@code code}. */
    private static void run(Case c) throws Exception {
        assertFalse(training.isDone(), "the run ended early");
        Bad bad = new Bad("bad/" + c.name());
        try {
            if (c.joins()) {
                bad.join();
            }
            if (c.step()) {
                gate.release();
                bad.takeStep();
            }
            String expected = c.script().run(bad);
            if (c.code() == Status.Code.OK) {
                bad.fake.awaitCompleted();
            } else if (!REPORTED.equals(expected)) {
                assertStatus(bad, c.code(), expected);
                if (c.byCoordinator()) {
                    assertOneEventLine(c.code() + ": " + expected);
                }
            }
        } finally {
            bad.fake.cancel(); // a no-op once the call is closed; otherwise it frees the bad client's place
        }
        awaitLiveWorkers(GOOD_WORKERS);
    }

    /** Waits for the coordinator to end {@code bad}'s session, with {@code code} and exactly {@code description}. */
    private static void assertStatus(Bad bad, Status.Code code, String description) throws InterruptedException {
        Status status = bad.fake.awaitError();
        assertEquals(code, status.getCode(), status.toString());
        assertEquals(description, status.getDescription());
    }

    /** Exactly one worker event line says {@code status}: the session reports each rejection once, before the client sees it. */
    private static void assertOneEventLine(String status) {
        List<String> lines = events.stream().filter(line -> line.contains("(" + status + ")")).toList();
        assertEquals(1, lines.size(), () -> "lines saying (" + status + ") among " + events);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The cases. Every script sends the bad input and returns the description the coordinator must answer with.

    private static List<Case> joinCases() {
        List<Case> cases = new ArrayList<>();
        cases.add(refused("first message a heartbeat", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(0)).build());
            return "the first message must be Join (got: heartbeat)";
        }));
        cases.add(refused("first message a gradient", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(WorkerMessage.newBuilder().setGradient(GradientChunk.newBuilder().setStep(0)).build());
            return "the first message must be Join (got: gradient)";
        }));
        cases.add(refused("first message with no kind", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(WorkerMessage.getDefaultInstance());
            return "the first message must be Join (got: WorkerMessage with no kind set)";
        }));
        cases.add(refused("blank worker name", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(join(" "));
            return "Join.worker_name is empty (expected: a name for logs, e.g. host/pid)";
        }));
        cases.add(refused("protocol version missing", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(join(b.name).clearProtocolVersion());
            return "worker '" + b.name + "': Join.protocol_version is missing (expected: 3)";
        }));
        cases.add(refused("protocol version 1", Status.Code.FAILED_PRECONDITION, b -> {
            b.send(join(b.name).setProtocolVersion(1));
            return "worker '" + b.name + "' speaks protocol version 1 (expected: 3)";
        }));
        cases.add(refused("data fingerprint missing", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(join(b.name).clearDataFingerprint());
            return "worker '" + b.name + "': Join.data_fingerprint '' (expected: \"sha256:\" and 64 lowercase hex digits, the SHA-256 of"
                    + " the worker's training set)";
        }));
        cases.add(refused("other data fingerprint", Status.Code.FAILED_PRECONDITION, b -> {
            String other = "sha256:" + "0".repeat(64);
            b.send(join(b.name).setDataFingerprint(other).setDataSource("IDX /mnt/old-copy"));
            return "worker '" + b.name + "''s training set ('IDX /mnt/old-copy') has fingerprint " + other + " but the coordinator's (train)"
                    + " has " + data().train().fingerprint() + ": the copies differ (expected: the same files on every worker)";
        }));
        cases.add(refused("kernel missing", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(join(b.name).clearKernel());
            return "worker '" + b.name + "': Join.kernel is missing (expected: the worker's matrix-product kernel, e.g. '"
                    + Kernels.PORTABLE + "')";
        }));
        cases.add(refused("other kernel", Status.Code.FAILED_PRECONDITION, b -> {
            b.send(join(b.name).setKernel("x".repeat(500)));
            return "worker '" + b.name + "' computes with '" + "x".repeat(32) + "…(500 characters)' but this run computes with "
                    + Kernels.PORTABLE + " (the portable kernel mode), whose bits are the same on every x86-64 CPU with AVX2 and FMA"
                    + " (expected: a worker started with --kernel portable on such a CPU; or run the"
                    + " coordinator with --kernel native to accept any kernel, giving up bits that do not depend on the CPU)";
        }));
        cases.add(refused("negative train samples", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(join(b.name).setTrainSamples(-1));
            return "worker '" + b.name + "': Join.train_samples -1, Join.features 8 (expected: both > 0, the size and width of the worker's"
                    + " training set)";
        }));
        cases.add(refused("other training set size", Status.Code.FAILED_PRECONDITION, b -> {
            b.send(join(b.name).setTrainSamples(90));
            return "worker '" + b.name + "' has 90 training samples but the coordinator's training set has 100";
        }));
        cases.add(refused("other feature count", Status.Code.FAILED_PRECONDITION, b -> {
            b.send(join(b.name).setFeatures(9));
            return "worker '" + b.name + "''s samples have 9 features but the coordinator's have 8";
        }));
        cases.add(refused("other model", Status.Code.FAILED_PRECONDITION, b -> {
            b.send(join(b.name).setModelSpec("8-32-3"));
            return "worker '" + b.name + "' expects model 8-32-3 but the coordinator trains 8-16-3";
        }));
        cases.add(refused("malformed model spec", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(join(b.name).setModelSpec("8-x-3"));
            return "worker '" + b.name + "': Join.model_spec: model spec '8-x-3': 'x' is not a width (expected positive integers joined by '-')";
        }));
        cases.add(refused("other activation", Status.Code.FAILED_PRECONDITION, b -> {
            b.send(join(b.name).setActivation("tanh"));
            return "worker '" + b.name + "' expects activation tanh but the coordinator's model uses relu";
        }));
        cases.add(refused("unknown activation", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(join(b.name).setActivation("gelu"));
            return "worker '" + b.name + "': Join.activation: unknown activation 'gelu' (expected one of [relu, sigmoid, tanh])";
        }));
        cases.add(refused("the same model and data join", Status.Code.OK, b -> {
            b.send(join(b.name).setModelSpec("8-16-3").setActivation("relu"));
            b.welcomed();
            b.leave();
            return null;
        }));
        cases.add(refused("unknown previous worker id", Status.Code.NOT_FOUND, b -> {
            b.send(join(b.name).setPreviousWorkerId(999));
            return "worker '" + b.name + "' rejoins as worker 999, an id this run never gave out (expected: an id from 0 to " + highestId + ")";
        }));
        cases.add(refused("previous worker id still connected", Status.Code.FAILED_PRECONDITION, b -> {
            Bad filler = new Bad("filler/still-connected");
            filler.join();
            b.send(join(b.name).setPreviousWorkerId(filler.id));
            assertStatus(b, Status.Code.FAILED_PRECONDITION, "worker '" + b.name + "' rejoins as worker " + filler.id + ", but "
                    + filler.label + "'s session is still open (expected: the id of a worker whose session has ended)");
            filler.leave();
            filler.fake.awaitCompleted();
            return REPORTED;
        }));
        cases.add(refused("previous worker id of a worker gone rejoins", Status.Code.OK, b -> {
            Bad earlier = new Bad("earlier/gone");
            earlier.join();
            earlier.leave();
            earlier.fake.awaitCompleted();
            awaitLiveWorkers(GOOD_WORKERS);
            b.send(join(b.name).setPreviousWorkerId(earlier.id));
            assertTrue(b.welcomed() > earlier.id, "a new id");
            b.leave();
            return null;
        }));
        cases.add(refused("too many workers", Status.Code.RESOURCE_EXHAUSTED, b -> {
            Bad filler = new Bad("filler/third");
            filler.join();
            b.send(join(b.name));
            assertStatus(b, Status.Code.RESOURCE_EXHAUSTED, "the run already has 3 workers (expected: at most 3)");
            filler.leave();
            filler.fake.awaitCompleted();
            return REPORTED;
        }));
        cases.add(refused("message over the coordinator's limit", Status.Code.RESOURCE_EXHAUSTED, b -> {
            WorkerMessage join = WorkerMessage.newBuilder().setJoin(join(b.name).setWorkerName(b.name + "/" + "x".repeat(100_000))).build();
            b.send(join);
            return "a join message of " + join.getSerializedSize() + " bytes (expected: at most " + MESSAGE_LIMIT
                    + " bytes, a chunk of chunk_bytes 256 plus 65536 bytes for the other fields)";
        }));
        cases.add(refusedByGrpc("message over gRPC's transport limit before any answer", Status.Code.RESOURCE_EXHAUSTED, b -> {
            WorkerMessage join = WorkerMessage.newBuilder().setJoin(join(b.name).setWorkerName(b.name + "/" + "x".repeat(5 << 20))).build();
            b.send(join);
            // grpc-java's own check, answered as trailers since the coordinator has sent nothing yet
            return "gRPC message exceeds maximum size " + CoordinatorService.transportMessageLimit(MESSAGE_LIMIT) + ": "
                    + join.getSerializedSize();
        }));
        cases.add(refused("16 bytes of 0xff", Status.Code.INVALID_ARGUMENT, b -> {
            byte[] ff = new byte[16];
            Arrays.fill(ff, (byte) 0xff);
            b.fake.sendBytes(ff);
            return "not a WorkerMessage: CodedInputStream encountered a malformed varint. (a message of 16 bytes)";
        }));
        cases.add(refused("a Join whose length runs past its end", Status.Code.INVALID_ARGUMENT, b -> {
            byte[] whole = WorkerMessage.newBuilder().setJoin(join(b.name)).build().toByteArray();
            byte[] cut = Arrays.copyOf(whole, whole.length - 3);
            b.fake.sendBytes(cut);
            return "not a WorkerMessage: " + TRUNCATED + " (a message of " + cut.length + " bytes)";
        }));
        cases.add(refused("heartbeats before the first step: 0 is accepted, 1 is not", Status.Code.FAILED_PRECONDITION, b -> {
            b.join();
            b.send(heartbeat(0));
            b.send(heartbeat(1));
            return "heartbeat for future step 1" + b.from() + " (expected: at most 0, since no step has started)";
        }));
        return cases;
    }

    private static List<Case> stepCases() {
        List<Case> cases = new ArrayList<>();
        // a complete shard, then a broken contract: the shard (zeros, well-formed but not the true gradient) is taken back
        cases.add(rejected("a complete shard, then an extra chunk of it", Status.Code.FAILED_PRECONDITION, b -> {
            b.sendShard(0, TensorChunks.of(zeros(), CHUNK_BYTES), 1.0, true);
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)));
            return "step " + b.step + ": shard " + b.own(0) + " was already received" + b.from()
                    + " (expected: one of the shards it still owes, [" + b.own(1) + "])";
        }));
        cases.add(rejected("a complete shard, then NaN in its other shard", Status.Code.INVALID_ARGUMENT, b -> {
            b.sendShard(0, TensorChunks.of(zeros(), CHUNK_BYTES), 1.0, true);
            Map<String, Tensor> g = zeros();
            g.get(B1).storage().set(3, Float.NaN);
            b.sendShard(1, TensorChunks.of(g, CHUNK_BYTES), 1.0, true);
            return b.at(1) + "tensor 'fc1.bias': element 3 of 16 is NaN (expected: finite values)";
        }));
        cases.add(rejected("a complete shard, then bytes that are not a WorkerMessage", Status.Code.INVALID_ARGUMENT, b -> {
            b.sendShard(0, TensorChunks.of(zeros(), CHUNK_BYTES), 1.0, true);
            byte[] ff = new byte[16];
            Arrays.fill(ff, (byte) 0xff);
            b.fake.sendBytes(ff);
            return "not a WorkerMessage: CodedInputStream encountered a malformed varint. (a message of 16 bytes" + b.from() + ")";
        }));
        // the message as a whole
        cases.add(rejected("a second join", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(join(b.name));
            return "unexpected join" + b.from() + " (expected: gradient, heartbeat or leave)";
        }));
        cases.add(rejected("a message with no kind", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(WorkerMessage.getDefaultInstance());
            return "unexpected WorkerMessage with no kind set" + b.from() + " (expected: gradient, heartbeat or leave)";
        }));
        cases.add(rejected("message over the coordinator's limit", Status.Code.RESOURCE_EXHAUSTED, b -> {
            WorkerMessage big = WorkerMessage.newBuilder().setGradient(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 100_000))).build();
            b.send(big);
            return "a gradient message of " + big.getSerializedSize() + " bytes" + b.from() + " (expected: at most " + MESSAGE_LIMIT
                    + " bytes, a chunk of chunk_bytes 256 plus 65536 bytes for the other fields)";
        }));
        cases.add(rejected("message over gRPC's transport limit after the welcome", Status.Code.CANCELLED, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 5 << 20)));
            // grpc-java's Netty server has sent headers (the Welcome), so it resets the stream instead of sending trailers
            return "RST_STREAM closed stream. HTTP/2 error code: CANCEL";
        }));
        cases.add(rejected("a gradient chunk without a tensor", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, null));
            return "step " + b.step + ", shard " + b.own(0) + ": GradientChunk.tensor is missing" + b.from()
                    + " (expected: a chunk of one parameter's gradient)";
        }));
        // the tensor's name, shape, dtype and length
        cases.add(rejected("wrong tensor name", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk("fc9.weight", Shape.of(16, 8), 0, 256)));
            return b.at(0) + "unexpected tensor 'fc9.weight' (expected: one of [fc1.weight, fc1.bias, fc2.weight, fc2.bias])";
        }));
        cases.add(rejected("transposed shape", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(8, 16), 0, 256)));
            return b.at(0) + "tensor 'fc1.weight' has shape [8, 16] (expected: [16, 8])";
        }));
        cases.add(rejected("flattened shape", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(128), 0, 256)));
            return b.at(0) + "tensor 'fc1.weight' has shape [128] (expected: [16, 8])";
        }));
        cases.add(rejected("shape changed in a later chunk", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)));
            b.send(b.gradient(0, chunk(W1, Shape.of(8, 16), 256, 256)));
            return b.at(0) + "tensor 'fc1.weight': a chunk says [8, 16] float32 (expected: [16, 8] float32, as in the tensor's first chunk)";
        }));
        cases.add(rejected("float64 gradient", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256).setDtype(dev.chainrule.proto.v1.DType.FLOAT64)));
            return b.at(0) + "tensor 'fc1.weight' is float64 (expected: float32)";
        }));
        cases.add(rejected("dtype unspecified", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256).setDtype(dev.chainrule.proto.v1.DType.DTYPE_UNSPECIFIED)));
            return b.at(0) + "tensor 'fc1.weight': dtype DTYPE_UNSPECIFIED (expected: FLOAT32 or FLOAT64)";
        }));
        cases.add(rejected("unknown dtype number", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256).setDtypeValue(7)));
            return b.at(0) + "tensor 'fc1.weight': dtype 7 (expected: FLOAT32 or FLOAT64)";
        }));
        cases.add(rejected("more bytes than the tensor holds", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(B1, Shape.of(16), 0, 68)));
            return b.at(0) + "tensor 'fc1.bias': 68 bytes received for [16] float32 (expected: 64)";
        }));
        cases.add(rejected("fewer bytes than the tensor holds, marked last", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(B1, Shape.of(16), 0, 60)).setLast(true));
            return b.at(0) + "marked last, but tensor 'fc1.bias' is incomplete: 60 of 64 bytes";
        }));
        cases.add(rejected("a chunk longer than chunk_bytes", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 300)));
            return b.at(0) + "tensor 'fc1.weight': a chunk of 300 bytes (expected: at most 256)";
        }));
        cases.add(rejected("an empty chunk", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 0)));
            return b.at(0) + "tensor 'fc1.weight': a chunk with no data at byte offset 0 (expected: between 1 and 256 bytes)";
        }));
        // missing and out-of-order chunks
        cases.add(rejected("a gap between chunks", Status.Code.INVALID_ARGUMENT, b -> {
            List<TensorChunk> w1 = TensorChunks.of(W1, zeros(W1), 128);
            b.send(b.gradient(0, w1.get(0).toBuilder()));
            b.send(b.gradient(0, w1.get(2).toBuilder()));
            return b.at(0) + "tensor 'fc1.weight': chunk at byte offset 256 (expected: 128)";
        }));
        cases.add(rejected("chunks out of order", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, TensorChunks.of(W1, zeros(W1), 128).get(1).toBuilder()));
            return b.at(0) + "tensor 'fc1.weight': chunk at byte offset 128 (expected: 0)";
        }));
        cases.add(rejected("a chunk sent twice", Status.Code.INVALID_ARGUMENT, b -> {
            TensorChunk first = TensorChunks.of(W1, zeros(W1), 128).get(0);
            b.send(b.gradient(0, first.toBuilder()));
            b.send(b.gradient(0, first.toBuilder()));
            return b.at(0) + "tensor 'fc1.weight': chunk at byte offset 0 (expected: 128)";
        }));
        cases.add(rejected("another tensor before the first is complete", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, TensorChunks.of(W1, zeros(W1), 128).get(0).toBuilder()));
            b.send(b.gradient(0, TensorChunks.of(B1, zeros(B1), 128).get(0).toBuilder()));
            return b.at(0) + "a chunk of tensor 'fc1.bias' arrived before tensor 'fc1.weight' was complete"
                    + " (expected: the rest of 'fc1.weight' from byte offset 128 of 512)";
        }));
        cases.add(rejected("a tensor sent twice", Status.Code.INVALID_ARGUMENT, b -> {
            TensorChunk bias = TensorChunks.of(B1, zeros(B1), 128).get(0);
            b.send(b.gradient(0, bias.toBuilder()));
            b.send(b.gradient(0, bias.toBuilder()));
            return b.at(0) + "tensor 'fc1.bias' sent twice (expected: one of [fc1.weight, fc2.weight, fc2.bias])";
        }));
        cases.add(rejected("a tensor missing when marked last", Status.Code.INVALID_ARGUMENT, b -> {
            Map<String, Tensor> three = new LinkedHashMap<>(zeros());
            three.remove(B2);
            b.sendShard(0, TensorChunks.of(three, CHUNK_BYTES), 1.0, true);
            return b.at(0) + "marked last, but missing tensors [fc2.bias] (received: [fc1.weight, fc1.bias, fc2.weight])";
        }));
        cases.add(rejected("chunks of two shards interleaved", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, TensorChunks.of(W1, zeros(W1), CHUNK_BYTES).get(0).toBuilder()));
            b.send(b.gradient(1, TensorChunks.of(W1, zeros(W1), CHUNK_BYTES).get(0).toBuilder()));
            return "step " + b.step + ": a chunk of shard " + b.own(1) + b.from() + " arrived before shard " + b.own(0) + " was complete"
                    + " (expected: the rest of tensor 'fc1.weight' from byte offset 256 of 512 of shard " + b.own(0) + ")";
        }));
        cases.add(rejected("stream closed in the middle of a shard", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, TensorChunks.of(W1, zeros(W1), CHUNK_BYTES).get(0).toBuilder()));
            b.fake.complete();
            return b.at(0) + "the stream" + b.from() + " was closed in the middle of the shard"
                    + " (expected: the rest of tensor 'fc1.weight' from byte offset 256 of 512)";
        }));
        cases.add(rejected("call cancelled in the middle of a shard", Status.Code.CANCELLED, b -> {
            b.send(b.gradient(0, TensorChunks.of(W1, zeros(W1), CHUNK_BYTES).get(0).toBuilder()));
            b.fake.cancel(); // the client's own status; the coordinator drops the worker as lost
            return "the test cancels the worker's call";
        }));
        cases.add(rejected("leave in the middle of a shard", Status.Code.OK, b -> {
            b.send(b.gradient(0, TensorChunks.of(W1, zeros(W1), CHUNK_BYTES).get(0).toBuilder()));
            b.leave();
            return null;
        }));
        // the shard's numbers and values
        cases.add(rejected("wrong sample count", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)).setSampleCount(b.samples(0) + 1));
            return b.at(0) + "sample_count " + (b.samples(0) + 1) + " (expected: " + b.samples(0) + ", the shard's samples)";
        }));
        cases.add(rejected("loss sum changes between chunks", Status.Code.INVALID_ARGUMENT, b -> {
            List<TensorChunk> w1 = TensorChunks.of(W1, zeros(W1), CHUNK_BYTES);
            b.send(b.gradient(0, w1.get(0).toBuilder()).setLossSum(1.0));
            b.send(b.gradient(0, w1.get(1).toBuilder()).setLossSum(2.0));
            return b.at(0) + "loss_sum 2.0 (expected: 1.0, as in the shard's first chunk)";
        }));
        cases.add(rejected("NaN loss sum", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)).setLossSum(Double.NaN));
            return b.at(0) + "loss_sum is NaN (expected: a finite number)";
        }));
        cases.add(rejected("NaN in a gradient", Status.Code.INVALID_ARGUMENT, b -> {
            Map<String, Tensor> g = zeros();
            g.get(W2).storage().set(5, Float.NaN);
            b.sendShard(0, TensorChunks.of(g, CHUNK_BYTES), 1.0, true);
            return b.at(0) + "tensor 'fc2.weight': element 5 of 48 is NaN (expected: finite values)";
        }));
        cases.add(rejected("+Inf in a gradient", Status.Code.INVALID_ARGUMENT, b -> {
            Map<String, Tensor> g = zeros();
            g.get(W1).storage().set(100, Float.POSITIVE_INFINITY);
            b.sendShard(0, TensorChunks.of(g, CHUNK_BYTES), 1.0, true);
            return b.at(0) + "tensor 'fc1.weight': element 100 of 128 is Infinity (expected: finite values)";
        }));
        cases.add(rejected("-Inf in a gradient", Status.Code.INVALID_ARGUMENT, b -> {
            Map<String, Tensor> g = zeros();
            g.get(B2).storage().set(2, Float.NEGATIVE_INFINITY);
            b.sendShard(0, TensorChunks.of(g, CHUNK_BYTES), 1.0, true);
            return b.at(0) + "tensor 'fc2.bias': element 2 of 3 is -Infinity (expected: finite values)";
        }));
        cases.add(rejected("a real shard, then NaN in the next", Status.Code.INVALID_ARGUMENT, b -> {
            b.sendRealShard(0);
            Map<String, Tensor> g = zeros();
            g.get(W1).storage().set(0, Float.NaN);
            b.sendShard(1, TensorChunks.of(g, CHUNK_BYTES), 1.0, true);
            return b.at(1) + "tensor 'fc1.weight': element 0 of 128 is NaN (expected: finite values)";
        }));
        // the step and the shard
        cases.add(rejected("negative step", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)).setStep(-1));
            return "gradient for step -1" + b.from() + " (expected: a step >= 0)";
        }));
        cases.add(rejected("stale step", Status.Code.FAILED_PRECONDITION, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)).setStep(b.step - 1));
            return "stale gradient for step " + (b.step - 1) + b.from() + " (expected: step " + b.step + ", the step in progress)";
        }));
        cases.add(rejected("future step", Status.Code.FAILED_PRECONDITION, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)).setStep(b.step + 1));
            return "future gradient for step " + (b.step + 1) + b.from() + " (expected: step " + b.step + ", the step in progress)";
        }));
        cases.add(rejected("a shard assigned to another worker", Status.Code.FAILED_PRECONDITION, b -> {
            int other = b.notMine();
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)).setShardIndex(other));
            return "step " + b.step + ": shard " + other + " is not assigned to " + b.label + " (expected: one of the shards it still owes, ["
                    + b.own(0) + ", " + b.own(1) + "])";
        }));
        cases.add(rejected("a shard index beyond the shards", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)).setShardIndex(SHARDS));
            return "step " + b.step + ": shard " + SHARDS + b.from() + " does not exist (expected: 0 <= shard < " + SHARDS + ")";
        }));
        cases.add(rejected("a negative shard index", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)).setShardIndex(-1));
            return "step " + b.step + ": shard -1" + b.from() + " does not exist (expected: 0 <= shard < " + SHARDS + ")";
        }));
        cases.add(rejected("a duplicate shard", Status.Code.FAILED_PRECONDITION, b -> {
            b.sendRealShard(0);
            b.send(b.gradient(0, chunk(W1, Shape.of(16, 8), 0, 256)));
            return "step " + b.step + ": shard " + b.own(0) + " was already received" + b.from() + " (expected: one of the shards it still owes, ["
                    + b.own(1) + "])";
        }));
        // heartbeats: 0 <= step <= the step in progress + 1; an accepted one is followed by a message with no kind, to see it passed
        cases.add(rejected("heartbeat for step 0, the lowest, is accepted", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(heartbeat(0));
            return b.sendNoKind();
        }));
        cases.add(rejected("heartbeat for the step in progress is accepted", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(heartbeat(b.step));
            return b.sendNoKind();
        }));
        cases.add(rejected("heartbeat for the next step is accepted", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(heartbeat(b.step + 1));
            return b.sendNoKind();
        }));
        cases.add(rejected("heartbeat for a future step", Status.Code.FAILED_PRECONDITION, b -> {
            b.send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(b.step + 2)).build());
            return "heartbeat for future step " + (b.step + 2) + b.from() + " (expected: at most " + (b.step + 1) + ", since step " + b.step
                    + " is in progress)";
        }));
        cases.add(rejected("heartbeat for a negative step", Status.Code.INVALID_ARGUMENT, b -> {
            b.send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(-1)).build());
            return "heartbeat for step -1" + b.from() + " (expected: a step >= 0)";
        }));
        return cases;
    }

    /** The description of a case whose script checked the status itself. */
    private static final String REPORTED = "(checked by the script)";

    /** What protobuf says of a message whose length runs past its end. */
    private static final String TRUNCATED = "While parsing a protocol message, the input ended unexpectedly in the middle of a field."
            + "  This could mean either that the input has been truncated or that an embedded message misreported its own length.";

    private static Case refused(String name, Status.Code code, Script script) {
        return new Case(name, false, false, code, script, true);
    }

    /** A case whose status comes from grpc-java, not from the coordinator's session (which reports nothing). */
    private static Case refusedByGrpc(String name, Status.Code code, Script script) {
        return new Case(name, false, false, code, script, false);
    }

    private static Case rejected(String name, Status.Code code, Script script) {
        return new Case(name, true, true, code, script, code != Status.Code.CANCELLED);
    }

    private static WorkerMessage heartbeat(long step) {
        return WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setStep(step)).build();
    }

    /** A bad client's case; {@code byCoordinator}: the status comes from the coordinator's session, which reports it once. */
    record Case(String name, boolean joins, boolean step, Status.Code code, Script script, boolean byCoordinator) {
        @Override
        public String toString() {
            return name + " → " + code;
        }
    }

    /** Sends the bad input; returns the description expected with the case's code. */
    @FunctionalInterface
    interface Script {
        String run(Bad bad) throws Exception;
    }

    /** A raw client: a {@link FakeWorker} with what it learnt from the coordinator (its id, its step, its shards, the weights). */
    static final class Bad {
        final FakeWorker fake = new FakeWorker(channel);
        final String name;
        int id = -1;
        String label;
        long step = -1;
        List<Shard> shards;
        Map<String, Tensor> weights;

        Bad(String name) {
            this.name = name;
        }

        void send(WorkerMessage message) {
            fake.send(message);
        }

        void send(Join.Builder join) {
            send(WorkerMessage.newBuilder().setJoin(join).build());
        }

        void send(GradientChunk.Builder gradient) {
            send(WorkerMessage.newBuilder().setGradient(gradient).build());
        }

        /** Joins as a well-behaved worker would and takes the Welcome. */
        void join() throws InterruptedException {
            send(WireValidationTest.join(name));
            welcomed();
        }

        /** Takes the Welcome; returns the worker id. */
        int welcomed() throws InterruptedException {
            CoordinatorMessage first = fake.take();
            assertTrue(first.hasWelcome(), () -> "expected a Welcome, got " + first);
            Welcome welcome = first.getWelcome();
            id = welcome.getWorkerId();
            label = "worker " + id + " (" + name + ")";
            synchronized (WireValidationTest.class) {
                highestId = Math.max(highestId, id);
            }
            return id;
        }

        void leave() {
            send(WorkerMessage.newBuilder().setLeave(Leave.newBuilder().setReason("the test is done with it")).build());
        }

        /** Takes a step's weights and assignment; the weights must be the reference run's at that step, bit for bit. */
        void takeStep() throws InterruptedException {
            List<CoordinatorMessage> messages = fake.takeStep();
            TensorAssembler assembler = new TensorAssembler(PARAMS);
            for (CoordinatorMessage m : messages.subList(0, messages.size() - 1)) {
                assertTrue(m.hasWeights(), () -> "expected weights, got " + m);
                assembler.accept(m.getWeights().getTensor());
            }
            weights = assembler.complete();
            step = messages.get(messages.size() - 1).getAssignment().getStep();
            shards = messages.get(messages.size() - 1).getAssignment().getShardsList();
            assertEquals(2, shards.size(), "6 shards over 3 workers: " + shards);
            List<int[]> bits = new ArrayList<>();
            weights.values().forEach(t -> bits.add(TestRuns.bits(t)));
            assertBitsEqual(reference.get((int) step), bits, label + ": the weights of step " + step);
        }

        int own(int i) {
            return shards.get(i).getIndex();
        }

        int samples(int i) {
            return shards.get(i).getSampleIndicesCount();
        }

        /** A shard of the step that another worker owes. */
        int notMine() {
            for (int s = 0; s < SHARDS; s++) {
                if (s != own(0) && s != own(1)) {
                    return s;
                }
            }
            throw new AssertionError("every shard is mine");
        }

        /** Sends a WorkerMessage with no kind set; returns the description it is rejected with. */
        String sendNoKind() {
            send(WorkerMessage.getDefaultInstance());
            return "unexpected WorkerMessage with no kind set" + from() + " (expected: gradient, heartbeat or leave)";
        }

        /** " from worker 5 (bad/…)". */
        String from() {
            return " from " + label;
        }

        /** "step 3, shard 2: ", the prefix of the checks of own shard {@code i}'s content. */
        String at(int i) {
            return "step " + step + ", shard " + own(i) + ": ";
        }

        /** A gradient chunk of own shard {@code i} of the step, with its sample count and a loss sum of 1, holding {@code tensor}. */
        GradientChunk.Builder gradient(int i, TensorChunk.Builder tensor) {
            GradientChunk.Builder chunk = GradientChunk.newBuilder().setStep(step).setShardIndex(own(i)).setSampleCount(samples(i))
                    .setLossSum(1.0);
            if (tensor != null) {
                chunk.setTensor(tensor);
            }
            return chunk;
        }

        /** Sends own shard {@code i} as {@code chunks}, the final one marked last when {@code markLast}. */
        void sendShard(int i, List<TensorChunk> chunks, double lossSum, boolean markLast) {
            for (int c = 0; c < chunks.size(); c++) {
                send(gradient(i, chunks.get(c).toBuilder()).setLossSum(lossSum).setLast(markLast && c == chunks.size() - 1));
            }
        }

        /** Computes own shard {@code i}'s true gradient from the step's weights, as a worker does, and sends it. */
        void sendRealShard(int i) {
            int[] indices = shards.get(i).getSampleIndicesList().stream().mapToInt(Integer::intValue).toArray();
            ShardGradient g = LocalShardExecutor.shardGradient(Mlp.fromWeights(SPEC, ACTIVATION, weights), data().train(), indices);
            Map<String, Tensor> named = new LinkedHashMap<>();
            int p = 0;
            for (String param : PARAMS.keySet()) {
                named.put(param, g.gradients().get(p++));
            }
            sendShard(i, TensorChunks.of(named, CHUNK_BYTES), g.lossSum(), true);
        }
    }

    /** The Join a well-behaved worker would send. */
    private static Join.Builder join(String name) {
        return FakeWorker.join(name, data().train());
    }

    /** A float32 chunk header for {@code name} shaped {@code shape}, at {@code offset}, with {@code bytes} zero bytes. */
    private static TensorChunk.Builder chunk(String name, Shape shape, long offset, int bytes) {
        TensorChunk.Builder chunk = TensorChunk.newBuilder().setName(name).setDtype(dev.chainrule.proto.v1.DType.FLOAT32).setOffset(offset)
                .setData(ByteString.copyFrom(new byte[bytes]));
        for (int d : shape.dims()) {
            chunk.addShape(d);
        }
        return chunk;
    }

    private static Tensor zeros(String param) {
        return Tensor.zeros(DType.FLOAT32, PARAMS.get(param));
    }

    private static Map<String, Tensor> zeros() {
        Map<String, Tensor> all = new LinkedHashMap<>();
        PARAMS.keySet().forEach(p -> all.put(p, zeros(p)));
        return all;
    }

    /** Trains as both runs do: adam, a cosine schedule from 0.01, the shards computed by {@code executor}. */
    private static TrainingResult train(Mlp m, DataSplit split, ShardExecutor executor) {
        return new Trainer(m, split, CONFIG, Optimizers.create("adam", OptimizerSettings.defaults()),
                LearningRateSchedules.create("cosine", 0.01, CONFIG.steps()), TestRuns.QUIET, executor).run();
    }

    private static void awaitLiveWorkers(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (server.liveWorkers() != count) {
            assertTrue(System.nanoTime() < deadline, () -> server.liveWorkers() + " live workers (expected: " + count + ")");
            Thread.sleep(5);
        }
    }

    private static void assertBitsEqual(List<int[]> expected, List<int[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": parameters");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + ": parameter " + i);
        }
    }

    /**
     * The trainer's executor: lets one step through per {@link #release} (until {@link #open}), and
     * records the weights each step starts from.
     */
    static final class GatedExecutor implements ShardExecutor {
        final List<List<int[]>> starts = new ArrayList<>();
        private final ShardExecutor delegate;
        private final Semaphore permits = new Semaphore(0);
        volatile boolean opened;

        GatedExecutor(ShardExecutor delegate) {
            this.delegate = delegate;
        }

        void release() {
            permits.release();
        }

        void open() {
            opened = true;
            permits.release(1_000_000);
        }

        @Override
        public double compute(long step, int[] batch, ShardPlan plan, StepReduction reduction) {
            try {
                if (!permits.tryAcquire(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("step " + step + " was not let through within 120 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted before step " + step, e);
            }
            synchronized (starts) {
                starts.add(TestRuns.bits(model));
            }
            return delegate.compute(step, batch, plan, reduction);
        }
    }
}
