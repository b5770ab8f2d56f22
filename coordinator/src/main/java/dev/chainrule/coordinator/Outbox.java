package dev.chainrule.coordinator;

import dev.chainrule.proto.v1.CoordinatorMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * One worker's outbound stream: messages are queued in groups and written in order. A group is
 * started only while the transport is ready for more (otherwise from gRPC's on-ready callback), so
 * a slow worker holds up nobody, and once started it is written whole, back to back: the transport
 * buffers what the network does not take at once, at most one group (one parameter's weights) per
 * worker, so that a parameter costs one wait for readiness rather than one per message. A
 * parameter's weights not started yet are dropped when newer weights of that parameter are queued
 * (the worker needs only the newest), and an assignment of no shard not started yet is dropped when
 * the next assignment is queued; weights that an assignment of shards queued after them needs are
 * never dropped. A worker that reads slowly is thus owed at most the weights its queued assignment
 * needs and one newer copy of each parameter.
 *
 * <p>Thread-safe: the event loop queues the Welcome, the steps' weights and assignments and the Stop,
 * gRPC threads drain on readiness, and a session fails or completes its own stream; every write to
 * the stream happens under this object's monitor. It calls nothing outside the stream while holding
 * it.
 */
final class Outbox {
    private final ServerCallStreamObserver<byte[]> stream;
    private final ArrayDeque<Group> queue = new ArrayDeque<>();
    private boolean completeWhenDrained;
    private boolean closed;

    /** What a group holds, which decides what may replace it. */
    private enum Kind {
        /** A message nothing replaces: the Welcome, the Stop. */
        OTHER,
        /** One parameter's weights, which newer weights of the parameter replace. */
        WEIGHTS,
        /** An assignment of no shard, which the next assignment replaces. */
        IDLE_ASSIGNMENT,
        /** An assignment of shards: the weights queued before it are kept for it. */
        ASSIGNMENT
    }

    /** A group of messages written back to back. */
    private static final class Group {
        /** Serialised CoordinatorMessages. */
        final List<byte[]> messages;
        final Kind kind;
        /** The parameter of a WEIGHTS group, else null. */
        final String parameter;
        int next;

        Group(List<byte[]> messages, Kind kind, String parameter) {
            this.messages = messages;
            this.kind = kind;
            this.parameter = parameter;
        }

        /** Whether {@code newer} makes this group useless: it has not started and holds the same kind of thing. */
        boolean supersededBy(Group newer) {
            return next == 0 && kind == newer.kind && Objects.equals(parameter, newer.parameter);
        }
    }

    /**
     * Takes over {@code stream}; must be called from the service method, before it returns, because
     * gRPC only accepts the handlers there. {@code onCancel} runs (on a gRPC thread, without this
     * object's monitor) when the worker's side goes away.
     */
    Outbox(ServerCallStreamObserver<byte[]> stream, Runnable onCancel) {
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
        enqueue(new Group(List.of(message.toByteArray()), Kind.OTHER, null));
    }

    /**
     * Queues one parameter's weights, {@code messages} (serialised, see {@link Messages#weights}),
     * dropping older weights of {@code parameter} that have not started.
     */
    synchronized void sendWeights(String parameter, List<byte[]> messages) {
        replace(new Group(messages, Kind.WEIGHTS, parameter));
    }

    /** Queues a step's assignment; one of no shard ({@code idle}) replaces an idle one that has not started. */
    synchronized void sendAssignment(CoordinatorMessage assignment, boolean idle) {
        Group group = new Group(List.of(assignment.toByteArray()), Kind.IDLE_ASSIGNMENT, null);
        if (idle) {
            replace(group);
        } else {
            queue.removeIf(g -> g.supersededBy(group));
            enqueue(new Group(group.messages, Kind.ASSIGNMENT, null));
        }
    }

    /** Queues {@code last} and completes the stream once everything queued is written; later messages are dropped. */
    synchronized void finish(CoordinatorMessage last) {
        if (closed || completeWhenDrained) {
            return;
        }
        queue.add(new Group(List.of(last.toByteArray()), Kind.OTHER, null));
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

    /**
     * Queues {@code group}, dropping the groups it supersedes that no assignment of shards waits
     * behind (it needs the weights queued before it).
     */
    private void replace(Group group) {
        for (Iterator<Group> it = queue.descendingIterator(); it.hasNext(); ) {
            Group g = it.next();
            if (g.kind == Kind.ASSIGNMENT) {
                break;
            }
            if (g.supersededBy(group)) {
                it.remove();
            }
        }
        enqueue(group);
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
