package dev.chainrule.coordinator;

import dev.chainrule.proto.v1.CoordinatorMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One worker's outbound stream: messages are queued in groups and written in order. A group is
 * started only while the transport is ready for more (otherwise from gRPC's on-ready callback), so
 * a slow worker holds up nobody, and once started it is written whole, back to back: the transport
 * buffers what the network does not take at once, at most one group (one step's weights) per
 * worker, so that a step costs one wait for readiness rather than one per message. A step's weights
 * and assignment are queued as one group; a group not started yet is dropped when the next step's
 * group arrives, so at most one step beyond the one being written is ever held.
 *
 * <p>Thread-safe: the training thread queues steps, gRPC threads queue the Welcome and drain on
 * readiness, the closing thread queues Stop; every write to the stream happens under this object's
 * monitor. It calls nothing outside the stream while holding it.
 */
final class Outbox {
    private final ServerCallStreamObserver<CoordinatorMessage> stream;
    private final ArrayDeque<Group> queue = new ArrayDeque<>();
    private boolean completeWhenDrained;
    private boolean closed;

    /** A group of messages written back to back; {@code replaceable} groups may be dropped before they start. */
    private static final class Group {
        final List<CoordinatorMessage> messages;
        final boolean replaceable;
        int next;

        Group(List<CoordinatorMessage> messages, boolean replaceable) {
            this.messages = messages;
            this.replaceable = replaceable;
        }
    }

    /**
     * Takes over {@code stream}; must be called from the service method, before it returns, because
     * gRPC only accepts the handlers there. {@code onCancel} runs (on a gRPC thread, without this
     * object's monitor) when the worker's side goes away.
     */
    Outbox(ServerCallStreamObserver<CoordinatorMessage> stream, Runnable onCancel) {
        this.stream = stream;
        stream.setOnReadyHandler(this::drain);
        stream.setOnCancelHandler(() -> {
            synchronized (this) {
                closed = true;
                queue.clear();
            }
            onCancel.run();
        });
    }

    /** Queues one message. */
    synchronized void send(CoordinatorMessage message) {
        enqueue(new Group(List.of(message), false));
    }

    /** Queues a step's messages (its weights, then its assignment), replacing a queued step that has not started. */
    synchronized void sendStep(List<CoordinatorMessage> messages) {
        queue.removeIf(g -> g.replaceable && g.next == 0);
        enqueue(new Group(messages, true));
    }

    /** Queues {@code last} and completes the stream once everything queued is written; later messages are dropped. */
    synchronized void finish(CoordinatorMessage last) {
        if (closed || completeWhenDrained) {
            return;
        }
        queue.add(new Group(List.of(last), false));
        completeWhenDrained = true;
        drain();
    }

    /** Completes the stream once everything queued is written. */
    synchronized void complete() {
        if (closed || completeWhenDrained) {
            return;
        }
        completeWhenDrained = true;
        drain();
    }

    /** Ends the stream at once with {@code status}, dropping whatever is queued. */
    synchronized void fail(Status status) {
        if (closed) {
            return;
        }
        closed = true;
        queue.clear();
        stream.onError(status.asRuntimeException());
    }

    private void enqueue(Group group) {
        if (closed || completeWhenDrained) {
            return;
        }
        queue.add(group);
        drain();
    }

    private synchronized void drain() {
        // a group starts only while the transport is ready, and once started is written whole
        while (!closed && !queue.isEmpty() && (queue.peek().next > 0 || stream.isReady())) {
            Group head = queue.peek();
            stream.onNext(head.messages.get(head.next++));
            if (head.next == head.messages.size()) {
                queue.poll();
            }
        }
        if (!closed && completeWhenDrained && queue.isEmpty()) {
            closed = true;
            stream.onCompleted();
        }
    }
}
