package dev.chainrule.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.train.partition.PartitionStates;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.PartitionAttach;
import dev.chainrule.proto.v1.PartitionGrpc;
import dev.chainrule.proto.v1.PartitionUpload;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.train.LocalShardExecutor;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import dev.chainrule.train.partition.ParameterPartitions;
import dev.chainrule.train.partition.Partition;
import dev.chainrule.wire.CallStreamException;
import dev.chainrule.wire.GradientCompression;
import dev.chainrule.wire.GradientEncoder;
import dev.chainrule.wire.RawBytesMarshaller;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * K coordinator partitions, each a real gRPC server on loopback, and two workers that send their
 * shards' gradient pieces over real exchanges and take their weights from them, against one
 * {@link StepReduction} of the whole model: the same bits at every step, for every K.
 */
class PartitionExchangeTest {
    private static final ModelSpec SPEC = ModelSpec.parse("6-5-4-3");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int SHARDS = 3;
    private static final int[] BATCHES = {10, 9, 10, 2};
    private static final Dataset DATA = data(40, 6, 3);
    private final List<Server> servers = new ArrayList<>();
    private final List<PartitionService> services = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @AfterEach
    void shutDown() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        servers.forEach(Server::shutdownNow);
        for (Server s : servers) {
            s.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7})
    void kPartitionsOverGrpcGiveOneReductionsBitsAtEveryStep(int k) throws Exception {
        Mlp reference = Mlp.initialized(SPEC, Activation.RELU, 3);
        ParameterPartitions plan = ParameterPartitions.of(Mlp.parameterShapes(SPEC), k);
        List<PartitionHost> hosts = startPartitions(plan, reference, "adam");
        Optimizer adam = Optimizers.create("adam", OptimizerSettings.defaults());
        StepReduction whole = new StepReduction(new ArrayList<>(reference.namedParameters().values()), adam);
        List<Mlp> workers = List.of(Mlp.initialized(SPEC, Activation.RELU, 11), Mlp.initialized(SPEC, Activation.RELU, 12));
        List<List<PartitionLink>> links = new ArrayList<>();
        for (int w = 0; w < workers.size(); w++) {
            links.add(attachAll(plan, workers.get(w), "worker-" + w));
        }
        GradientEncoder encoder = new GradientEncoder(GradientCompression.none(), 64);
        int start = 0;
        for (int step = 0; step < BATCHES.length; step++) {
            ShardPlan shards = new ShardPlan(BATCHES[step], SHARDS);
            double lr = 0.01 / (step + 1);
            for (PartitionHost host : hosts) {
                host.open(step, shards, BATCHES[step], lr);
            }
            whole.begin(shards, BATCHES[step], lr);
            for (int s = 0; s < SHARDS; s++) {
                if (shards.size(s) == 0) {
                    continue;
                }
                int[] indices = range(start + shards.start(s), shards.size(s));
                ShardGradient expected = LocalShardExecutor.shardGradient(reference, DATA, indices);
                for (int p = 0; p < expected.gradients().size(); p++) {
                    whole.add(s, p, expected.gradients().get(p));
                }
                whole.addLoss(s, expected.lossSum(), indices.length);
                int w = s % workers.size();
                for (PartitionLink link : links.get(w)) {
                    link.awaitStep(step, TIMEOUT);
                }
                PieceSender sender = new PieceSender(plan, links.get(w), step, s, indices.length, encoder, TIMEOUT);
                LocalShardExecutor.shardGradient(workers.get(w), DATA, indices, sender::ready);
            }
            double loss = whole.finish();
            int updates = 0;
            int shardsIn = 0;
            while (updates < k) {
                String event = events.poll(10, TimeUnit.SECONDS);
                assertNotNull(event, "step " + step + ": every partition updates");
                assertTrue(event.startsWith("updated") || event.startsWith("in "), event);
                if (event.startsWith("updated")) {
                    updates++;
                    assertTrue(event.endsWith(" " + step + " " + loss), "every partition reports the batch's mean loss: " + event);
                } else {
                    shardsIn++;
                }
            }
            assertEquals(k * (BATCHES[step] >= SHARDS ? SHARDS : BATCHES[step]), shardsIn, "each partition reports each shard once");
            start += BATCHES[step];
        }
        for (int w = 0; w < workers.size(); w++) {
            for (PartitionLink link : links.get(w)) {
                link.awaitStep(BATCHES.length, TIMEOUT);
            }
            assertSameBits(reference, workers.get(w), "K=" + k + " worker " + w);
        }
        // a reader that asks for the state too (the leader, checkpointing) gets the weights and the
        // optimiser state of one reduction, joined from the partitions' pieces
        Mlp reader = Mlp.initialized(SPEC, Activation.RELU, 13);
        List<OptimizerState> parts = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            PartitionLink link = PartitionLink.attach(channels.get(j), 0, j, plan, reader.namedParameters(), "reader", SPEC.toString(),
                    true, TIMEOUT);
            assertThrows(IllegalStateException.class, link::state, "no state before the step's weights and state arrived");
            link.awaitStep(BATCHES.length, TIMEOUT);
            parts.add(link.state());
            link.complete();
        }
        assertSameBits(reference, reader, "K=" + k + " reader");
        OptimizerState expected = adam.exportState();
        OptimizerState joined = PartitionStates.merge(plan, parts);
        assertEquals(expected.kind(), joined.kind());
        assertEquals(BATCHES.length, joined.stepCount());
        assertEquals(expected.buffers().keySet(), joined.buffers().keySet());
        expected.buffers().forEach((key, buffer) -> assertArrayEquals(bits(buffer), bits(joined.buffers().get(key)), key));
        PartitionLink plain = attachAll(plan, reader, "plain reader").get(0);
        assertThrows(IllegalStateException.class, plain::state, "a link that did not ask has no state");
        plain.complete();
    }

    @Test
    void aShardThatArrivesBeforeTheLeaderOpensTheStepWaitsAndASecondCopyIsDropped() throws Exception {
        Mlp reference = Mlp.initialized(SPEC, Activation.RELU, 3);
        ParameterPartitions plan = ParameterPartitions.of(Mlp.parameterShapes(SPEC), 2);
        List<PartitionHost> hosts = startPartitions(plan, reference, "sgd");
        Mlp worker = Mlp.initialized(SPEC, Activation.RELU, 5);
        Mlp other = Mlp.initialized(SPEC, Activation.RELU, 6);
        List<PartitionLink> links = attachAll(plan, worker, "early");
        List<PartitionLink> otherLinks = attachAll(plan, other, "duplicate");
        GradientEncoder encoder = new GradientEncoder(GradientCompression.none(), 64);
        for (PartitionLink link : links) {
            link.awaitStep(0, TIMEOUT);
        }
        for (PartitionLink link : otherLinks) {
            link.awaitStep(0, TIMEOUT);
        }
        int[] indices = range(0, 4);
        LocalShardExecutor.shardGradient(worker, DATA, indices, new PieceSender(plan, links, 0, 0, 4, encoder, TIMEOUT)::ready);
        LocalShardExecutor.shardGradient(other, DATA, indices, new PieceSender(plan, otherLinks, 0, 0, 4, encoder, TIMEOUT)::ready);
        assertEquals(List.of(), drain(Duration.ofMillis(300)), "nothing counts before the step opens");
        for (PartitionHost host : hosts) {
            host.open(0, new ShardPlan(4, 1), 4, 0.1);
        }
        List<String> seen = drain(Duration.ofSeconds(2));
        assertEquals(4, seen.size(), seen.toString());
        assertTrue(seen.containsAll(List.of("in 0 0 0", "in 1 0 0")), seen.toString());
        assertEquals(2, seen.stream().filter(e -> e.startsWith("updated")).count(), seen.toString());
        assertEquals(1, hosts.get(0).weightsStep());
    }

    @Test
    void brokenMessagesEndTheExchangeWithTheContractsStatus() throws Exception {
        Mlp reference = Mlp.initialized(SPEC, Activation.RELU, 3);
        ParameterPartitions plan = ParameterPartitions.of(Mlp.parameterShapes(SPEC), 2);
        startPartitions(plan, reference, "sgd");
        PartitionAttach attach = PartitionAttach.newBuilder().setWorkerName("t").setProtocolVersion(1).setPartition(1).setPartitions(2)
                .setModelSpec(SPEC.toString()).build();
        assertStatus(Status.Code.INVALID_ARGUMENT, "protocol_version 2 (expected: 1)", 1,
                PartitionUpload.newBuilder().setAttach(attach.toBuilder().setProtocolVersion(2)).build());
        assertStatus(Status.Code.FAILED_PRECONDITION, "the worker means partition 0 of 2 (expected: this is partition 1 of 2)", 1,
                PartitionUpload.newBuilder().setAttach(attach.toBuilder().setPartition(0)).build());
        assertStatus(Status.Code.FAILED_PRECONDITION, "the worker's model is '6-5-3' (expected: '6-5-4-3', the run's)", 1,
                PartitionUpload.newBuilder().setAttach(attach.toBuilder().setModelSpec("6-5-3")).build());
        assertStatus(Status.Code.INVALID_ARGUMENT, "a gradient before PartitionAttach (expected: PartitionAttach first)", 1,
                gradient(0, 0, "fc3.bias[0:3]", new float[3], true));
        String piece = plan.pieces(1).get(plan.pieces(1).size() - 1).name();
        assertStatus(Status.Code.FAILED_PRECONDITION, "a gradient for step 1 (expected: step 0, the step partition 1's weights are for)", 1,
                PartitionUpload.newBuilder().setAttach(attach).build(), gradient(1, 0, piece, new float[3], true));
        assertStatus(Status.Code.INVALID_ARGUMENT, "step 0, shard 0: unexpected tensor 'fc1.weight[0:3]' (expected: one of [", 1,
                PartitionUpload.newBuilder().setAttach(attach).build(), gradient(0, 0, "fc1.weight[0:3]", new float[3], true));
        float[] nan = new float[3];
        nan[1] = Float.NaN;
        assertStatus(Status.Code.INVALID_ARGUMENT, "NaN", 1, PartitionUpload.newBuilder().setAttach(attach).build(),
                gradient(0, 0, piece, nan, true));
    }

    @Test
    void bytesThatAreNotAPartitionUploadOrTooManyOfThemEndTheExchangeAsTheContractSays() throws Exception {
        Mlp reference = Mlp.initialized(SPEC, Activation.RELU, 3);
        startPartitions(ParameterPartitions.of(Mlp.parameterShapes(SPEC), 2), reference, "sgd");
        Status garbage = rawExchange(0, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        assertEquals(Status.Code.INVALID_ARGUMENT, garbage.getCode(), garbage.toString());
        assertTrue(garbage.getDescription().startsWith("not a PartitionUpload: "), garbage.getDescription());
        // the partitions of this test take chunks of 64 bytes: a message may have 64 + 65,536
        Status large = rawExchange(1, PartitionUpload.newBuilder().setAttach(PartitionAttach.newBuilder()
                .setWorkerName("x".repeat(70_000))).build().toByteArray());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, large.getCode(), large.toString());
        assertTrue(large.getDescription().contains("(expected: at most 65600 bytes, a chunk of chunk_bytes plus 65536 bytes"),
                large.getDescription());
    }

    /** Sends {@code messages}, each as it is, on an exchange with partition {@code partition}; the status the exchange ends with. */
    private Status rawExchange(int partition, byte[]... messages) throws InterruptedException {
        MethodDescriptor<byte[], byte[]> raw = PartitionGrpc.getExchangeMethod()
                .toBuilder(new RawBytesMarshaller(), new RawBytesMarshaller()).build();
        BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(channels.get(partition).newCall(raw, CallOptions.DEFAULT),
                new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        answers.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        answers.add("completed");
                    }
                });
        for (byte[] message : messages) {
            requests.onNext(message);
        }
        Object end = answers.poll(10, TimeUnit.SECONDS);
        requests.onCompleted();
        assertTrue(end instanceof StatusRuntimeException, "the exchange fails: " + end);
        return ((StatusRuntimeException) end).getStatus();
    }

    /**
     * Sends {@code messages} to partition {@code partition} and expects the exchange to end with
     * {@code code} and a description containing {@code text}.
     */
    private void assertStatus(Status.Code code, String text, int partition, PartitionUpload... messages) throws InterruptedException {
        byte[][] bytes = new byte[messages.length][];
        for (int i = 0; i < messages.length; i++) {
            bytes[i] = messages[i].toByteArray();
        }
        Status status = rawExchange(partition, bytes);
        assertEquals(code, status.getCode(), status.toString());
        assertTrue(status.getDescription().contains(text), status.getDescription());
    }

    private static PartitionUpload gradient(long step, int shard, String piece, float[] values, boolean last) {
        Tensor t = Tensor.of(values, values.length);
        TensorChunk chunk = new GradientEncoder(GradientCompression.none(), 1 << 16).encode(piece, t).get(0);
        return PartitionUpload.newBuilder().setGradient(GradientChunk.newBuilder().setStep(step).setShardIndex(shard).setSampleCount(4)
                .setLossSum(1.5).setTensor(chunk).setLast(last)).build();
    }

    private List<PartitionHost> startPartitions(ParameterPartitions plan, Mlp initial, String optimizer) throws IOException {
        List<PartitionHost> hosts = new ArrayList<>();
        List<Tensor> parameters = new ArrayList<>(initial.namedParameters().values());
        for (int j = 0; j < plan.partitions(); j++) {
            Partition partition = Partition.create(plan, j, parameters, optimizer, OptimizerSettings.defaults());
            PartitionHost host = new PartitionHost(partition, plan, SPEC.toString(), 0, GradientCompression.none(), 64, listener());
            PartitionService service = new PartitionService(host);
            services.add(service);
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
            servers.add(server);
            channels.add(NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build());
            hosts.add(host);
        }
        return hosts;
    }

    private PartitionHost.Listener listener() {
        return new PartitionHost.Listener() {
            @Override
            public void shardIn(int partition, long step, int shard, double lossSum, int samples) {
                events.add("in " + partition + " " + step + " " + shard);
            }

            @Override
            public void updated(int partition, long step, double meanLoss) {
                events.add("updated " + partition + " " + step + " " + meanLoss);
            }

            @Override
            public void failed(int partition, long step, String message) {
                events.add("failed " + message);
            }
        };
    }

    private List<PartitionLink> attachAll(ParameterPartitions plan, Mlp model, String name) {
        List<PartitionLink> links = new ArrayList<>();
        for (int j = 0; j < plan.partitions(); j++) {
            links.add(PartitionLink.attach(channels.get(j), j, plan, model.namedParameters(), name, SPEC.toString(), TIMEOUT));
        }
        return links;
    }

    private List<String> drain(Duration wait) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        String next;
        while ((next = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null) {
            seen.add(next);
        }
        return seen;
    }

    private static void assertSameBits(Mlp expected, Mlp actual, String where) {
        for (Map.Entry<String, Tensor> e : expected.namedParameters().entrySet()) {
            assertArrayEquals(bits(e.getValue()), bits(actual.namedParameters().get(e.getKey())), where + " " + e.getKey());
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

    private static int[] range(int from, int n) {
        int[] out = new int[n];
        Arrays.setAll(out, i -> (from + i) % DATA.size());
        return out;
    }

    private static Dataset data(int n, int width, int classes) {
        int[] labels = new int[n];
        Arrays.setAll(labels, i -> (i * 7) % classes);
        return Dataset.of("random", Tensor.randn(DType.FLOAT32, 17, n, width).toFloatArray(), labels, width);
    }

    @Test
    void aLinkWaitsBoundedForWeightsAndRefusesAnotherPartitionCount() throws Exception {
        Mlp reference = Mlp.initialized(SPEC, Activation.RELU, 3);
        ParameterPartitions two = ParameterPartitions.of(Mlp.parameterShapes(SPEC), 2);
        startPartitions(two, reference, "sgd");
        Mlp worker = Mlp.initialized(SPEC, Activation.RELU, 9);
        PartitionLink link = PartitionLink.attach(channels.get(0), 0, two, worker.namedParameters(), "x", SPEC.toString(), TIMEOUT);
        link.awaitStep(0, TIMEOUT);
        CallStreamException late = assertThrows(CallStreamException.class, () -> link.awaitStep(1, Duration.ofMillis(200)));
        assertEquals("no message from partition 0 within 200 ms while waiting for the weights of step 1 from partition 0",
                late.getMessage());
        ParameterPartitions three = ParameterPartitions.of(Mlp.parameterShapes(SPEC), 3);
        CallStreamException refused = assertThrows(CallStreamException.class, () -> PartitionLink.attach(channels.get(0), 0, three,
                worker.namedParameters(), "x", SPEC.toString(), TIMEOUT));
        assertTrue(refused.getMessage().contains("the worker means partition 0 of 3 (expected: this is partition 0 of 2)"),
                refused.getMessage());
        // the partitions here are of placement 0: a later placement's exchange waits for its own
        // partition (and is retried until its time is up), an earlier one's is refused
        CallStreamException later = assertThrows(CallStreamException.class, () -> PartitionLink.attach(channels.get(0), 1, 0, two,
                worker.namedParameters(), "x", SPEC.toString(), false, Duration.ofMillis(300)));
        assertTrue(later.getMessage().contains(PartitionService.NOT_HOSTED_YET), later.getMessage());
        Partition second = Partition.create(two, 0, new ArrayList<>(reference.namedParameters().values()), "sgd",
                OptimizerSettings.defaults());
        services.get(0).install(new PartitionHost(second, two, SPEC.toString(), 0, GradientCompression.none(), 64, listener(), 1));
        PartitionLink.attach(channels.get(0), 1, 0, two, worker.namedParameters(), "x", SPEC.toString(), false, TIMEOUT).complete();
        CallStreamException earlier = assertThrows(CallStreamException.class, () -> PartitionLink.attach(channels.get(0), 0, 0, two,
                worker.namedParameters(), "x", SPEC.toString(), false, TIMEOUT));
        assertTrue(earlier.getMessage().contains("placement 0 of the run's partitions (expected: 1, the placement of the partition"
                + " hosted here)"), earlier.getMessage());
    }
}
