package dev.chainrule.coordinator;

import dev.chainrule.autodiff.kernels.Kernels;
import dev.chainrule.data.Dataset;
import dev.chainrule.wire.SessionMethod;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.Join;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.wire.TensorChunks;
import dev.chainrule.wire.RawBytesMarshaller;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A worker driven by hand through a real call: sends what the test says (messages, or any bytes at
 * all) and queues what the coordinator answers.
 */
final class FakeWorker implements StreamObserver<CoordinatorMessage> {
    static final Duration WAIT = Duration.ofSeconds(10);
    private static final Object COMPLETED = new Object();
    /** {@code Session} with requests as raw bytes: a WorkerMessage's serialised form, or whatever a test sends instead. */
    private static final MethodDescriptor<byte[], CoordinatorMessage> RAW_SESSION = CoordinatorGrpc.getSessionMethod()
            .toBuilder(new RawBytesMarshaller(), ProtoUtils.marshaller(CoordinatorMessage.getDefaultInstance())).build();
    private final BlockingQueue<Object> in = new LinkedBlockingQueue<>();
    private final StreamObserver<byte[]> out;

    FakeWorker(Channel channel) {
        this.out = ClientCalls.asyncBidiStreamingCall(channel.newCall(RAW_SESSION, CallOptions.DEFAULT), this);
    }

    /** A worker that has sent the Join of a well-behaved worker holding {@code train}. */
    static FakeWorker joined(Channel channel, String name, Dataset train) {
        return joined(channel, join(name, train));
    }

    /** A worker that has sent {@code join}. */
    static FakeWorker joined(Channel channel, Join.Builder join) {
        FakeWorker worker = new FakeWorker(channel);
        worker.send(WorkerMessage.newBuilder().setJoin(join).build());
        return worker;
    }

    /** The Join of a well-behaved worker named {@code name} holding {@code train}. */
    static Join.Builder join(String name, Dataset train) {
        return Join.newBuilder().setWorkerName(name).setProtocolVersion(SessionMethod.PROTOCOL_VERSION)
                .setTrainSamples(train.size()).setFeatures(train.features()).setDataFingerprint(train.fingerprint())
                .setDataSource(train.source()).setKernel(Kernels.PORTABLE);
    }

    void send(WorkerMessage message) {
        sendBytes(message.toByteArray());
    }

    /** Sends {@code bytes} as one message of the call, whether or not they are a WorkerMessage. */
    void sendBytes(byte[] bytes) {
        synchronized (out) {
            out.onNext(bytes);
        }
    }

    /** Sends one shard's gradient as chunks of at most {@code chunkBytes}, the last marked. */
    void sendGradient(long step, int shard, int samples, double lossSum, Map<String, Tensor> gradients, int chunkBytes) {
        List<TensorChunk> chunks = TensorChunks.of(gradients, chunkBytes);
        for (int i = 0; i < chunks.size(); i++) {
            send(WorkerMessage.newBuilder().setGradient(GradientChunk.newBuilder()
                    .setStep(step).setShardIndex(shard).setSampleCount(samples).setLossSum(lossSum)
                    .setTensor(chunks.get(i)).setLast(i == chunks.size() - 1)).build());
        }
    }

    void complete() {
        synchronized (out) {
            out.onCompleted();
        }
    }

    /** Cancels the call from the worker's side, as a worker process that dies does. */
    void cancel() {
        synchronized (out) {
            ((ClientCallStreamObserver<byte[]>) out).cancel("the test cancels the worker's call", null);
        }
    }

    /** The coordinator's next message. */
    CoordinatorMessage take() throws InterruptedException {
        Object next = next();
        if (!(next instanceof CoordinatorMessage m)) {
            throw new AssertionError("expected a message, got " + describe(next));
        }
        return m;
    }

    /** The coordinator's messages up to and including the next assignment (a step's weights, then its assignment). */
    List<CoordinatorMessage> takeStep() throws InterruptedException {
        List<CoordinatorMessage> messages = new ArrayList<>();
        CoordinatorMessage m;
        do {
            m = take();
            messages.add(m);
        } while (!m.hasAssignment());
        return messages;
    }

    /** Waits for the coordinator to end the session with an error, and returns its status. */
    Status awaitError() throws InterruptedException {
        while (true) {
            Object next = next();
            if (next instanceof Throwable t) {
                return Status.fromThrowable(t);
            }
            if (next == COMPLETED) {
                throw new AssertionError("expected an error, but the coordinator completed the stream");
            }
        }
    }

    /** Waits for the coordinator to complete the stream normally, skipping messages. */
    void awaitCompleted() throws InterruptedException {
        while (true) {
            Object next = next();
            if (next == COMPLETED) {
                return;
            }
            if (next instanceof Throwable t) {
                throw new AssertionError("expected completion, got " + Status.fromThrowable(t));
            }
        }
    }

    @Override
    public void onNext(CoordinatorMessage message) {
        in.add(message);
    }

    @Override
    public void onError(Throwable t) {
        in.add(t);
    }

    @Override
    public void onCompleted() {
        in.add(COMPLETED);
    }

    private Object next() throws InterruptedException {
        Object next = in.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (next == null) {
            throw new AssertionError("nothing from the coordinator within " + WAIT);
        }
        return next;
    }

    private static String describe(Object o) {
        return o instanceof Throwable t ? Status.fromThrowable(t).toString() : o == COMPLETED ? "completion" : String.valueOf(o);
    }
}
