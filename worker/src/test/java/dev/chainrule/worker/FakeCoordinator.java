package dev.chainrule.worker;

import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.WorkerMessage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A coordinator service driven by the test: each Session call is queued for the test to answer by hand. */
final class FakeCoordinator extends CoordinatorGrpc.CoordinatorImplBase {
    static final Duration WAIT = Duration.ofSeconds(10);
    private final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();

    /** One Session call: what the worker sent (heartbeats counted apart) and the stream to answer on. */
    static final class Call implements StreamObserver<WorkerMessage> {
        private static final Object COMPLETED = new Object();
        final StreamObserver<CoordinatorMessage> out;
        final AtomicInteger heartbeats = new AtomicInteger();
        private final BlockingQueue<Object> in = new LinkedBlockingQueue<>();

        Call(StreamObserver<CoordinatorMessage> out) {
            this.out = out;
        }

        @Override
        public void onNext(WorkerMessage message) {
            if (message.hasHeartbeat()) {
                heartbeats.incrementAndGet();
            } else {
                in.add(message);
            }
        }

        @Override
        public void onError(Throwable t) {
            in.add(t);
        }

        @Override
        public void onCompleted() {
            in.add(COMPLETED);
        }

        /** The worker's next message other than a heartbeat. */
        WorkerMessage take() throws InterruptedException {
            Object next = next();
            if (!(next instanceof WorkerMessage m)) {
                throw new AssertionError("expected a message, got " + next);
            }
            return m;
        }

        /** Waits for the worker to complete its side normally. */
        void awaitCompleted() throws InterruptedException {
            Object next = next();
            if (next != COMPLETED) {
                throw new AssertionError("expected the worker to complete the stream, got " + next);
            }
        }

        /** Waits for the worker's side to fail, and returns its status. */
        Status awaitError() throws InterruptedException {
            Object next = next();
            if (!(next instanceof Throwable t)) {
                throw new AssertionError("expected an error, got " + next);
            }
            return Status.fromThrowable(t);
        }

        void send(CoordinatorMessage message) {
            out.onNext(message);
        }

        private Object next() throws InterruptedException {
            Object next = in.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (next == null) {
                throw new AssertionError("nothing from the worker within " + WAIT);
            }
            return next;
        }
    }

    @Override
    public StreamObserver<WorkerMessage> session(StreamObserver<CoordinatorMessage> responseObserver) {
        Call call = new Call(responseObserver);
        calls.add(call);
        return call;
    }

    /** The next Session call, after its first message (the Join) was taken. */
    Call awaitJoin() throws InterruptedException {
        Call call = awaitCall();
        call.take();
        return call;
    }

    /** The next Session call. */
    Call awaitCall() throws InterruptedException {
        Call call = calls.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (call == null) {
            throw new AssertionError("no Session call within " + WAIT);
        }
        return call;
    }
}
