package dev.chainrule.wire;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client's end of one bidirectional call, which sends {@code O} and receives {@code I}: its
 * {@code Session} with the coordinator, or an {@code Exchange} with a partition. Inbound messages arrive on gRPC threads and are
 * handed to the worker's loop through a blocking queue; {@link #PREFETCH} messages are requested
 * ahead of the loop (and one more for each it takes), so a step's weights arrive back to back
 * instead of one round trip per message, and the queue holds at most that many; {@link #take}
 * waits for the next with a timeout. Outbound messages are written under one lock, waiting (bounded)
 * while the transport is not ready before each group, so the loop and the heartbeat thread never
 * interleave a write.
 *
 * <p>Lifecycle: pass to the call, then {@link #take}/{@link #send} from the loop,
 * {@link #offer} from the heartbeat thread, and end with {@link #complete} or {@link #cancel}.
 */
public final class CallStream<O, I> implements ClientResponseObserver<O, I> {
    private static final Object END = new Object();
    /** How many of the peer's messages may wait in {@link #inbound}, requested ahead of the loop. */
    public static final int PREFETCH = 64;

    private final BlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final String call;
    private final String peer;
    private ClientCallStreamObserver<O> requests;
    private boolean closed;
    private Status terminal;

    /**
     * The stream of a {@code call} ("session", "exchange") with {@code peer} ("the coordinator",
     * "partition 1"), as error messages name them.
     */
    public CallStream(String call, String peer) {
        this.call = call;
        this.peer = peer;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<O> requestStream) {
        this.requests = requestStream;
        requestStream.disableAutoRequestWithInitial(PREFETCH);
        requestStream.setOnReadyHandler(this::signal);
    }

    @Override
    public void onNext(I message) {
        inbound.add(message);
    }

    @Override
    public void onError(Throwable t) {
        terminate(Status.fromThrowable(t));
        inbound.add(t);
    }

    @Override
    public void onCompleted() {
        terminate(Status.OK);
        inbound.add(END);
    }

    /**
     * The peer's next message, waiting at most {@code timeout}.
     *
     * @param waitingFor what the worker waits for, e.g. "the weights of step 3", for the error messages
     * @throws CallStreamException on timeout, on an error status (with its description), or when the
     *     peer ended the stream
     */
    @SuppressWarnings("unchecked")
    public I take(Duration timeout, String waitingFor) {
        Object next;
        try {
            next = inbound.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallStreamException("interrupted while waiting for " + waitingFor);
        }
        if (next == null) {
            throw new CallStreamException("no message from " + peer + " within " + Durations.describe(timeout) + " while waiting for "
                    + waitingFor);
        }
        if (next instanceof Throwable t) {
            throw new CallStreamException(peer + " ended the " + call + " while the worker waited for " + waitingFor + ": "
                    + describe(Status.fromThrowable(t)), t);
        }
        if (next == END) {
            throw new CallStreamException(peer + " completed the " + call + " without Stop while the worker waited for " + waitingFor);
        }
        requests.request(1);
        return (I) next;
    }

    /** Writes {@code message}, waiting at most {@code timeout} for the transport to accept it; {@code what} names it in errors. */
    public void send(O message, Duration timeout, String what) {
        sendAll(List.of(message), timeout, what);
    }

    /**
     * Writes {@code messages} back to back, once the transport is ready, waiting at most
     * {@code timeout} for that; {@code what} names them in errors. The transport then buffers what it
     * cannot send at once: a group (one shard's gradient) costs one wait for readiness, not one per
     * message, and its messages are serialised before this returns.
     */
    public void sendAll(List<O> messages, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!closed && terminal == null && !requests.isReady()) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new CallStreamException(peer + " did not take " + what + " within " + Durations.describe(timeout));
                }
                ready.awaitNanos(remaining);
            }
            if (terminal != null) {
                throw new CallStreamException("the " + call + " ended before " + what + " was sent: " + describe(terminal),
                        terminal.asRuntimeException());
            }
            if (closed) {
                throw new CallStreamException("the " + call + " was closed before " + what + " was sent");
            }
            for (O message : messages) {
                requests.onNext(message);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CallStreamException("interrupted while sending " + what);
        } finally {
            lock.unlock();
        }
    }

    /** Whether the call has ended (the peer completed it, or it failed or was cancelled). */
    public boolean ended() {
        lock.lock();
        try {
            return terminal != null;
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code message} if the transport is ready now; returns whether it did. Never blocks for long. */
    public boolean offer(O message) {
        lock.lock();
        try {
            if (closed || terminal != null || !requests.isReady()) {
                return false;
            }
            requests.onNext(message);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Half-closes the worker's side normally. */
    public void complete() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                if (terminal == null) {
                    requests.onCompleted();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Cancels the call, telling the peer {@code why}. */
    public void cancel(String why, Throwable cause) {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                if (terminal == null) {
                    requests.cancel(why, cause);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void terminate(Status status) {
        lock.lock();
        try {
            terminal = status;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }
}
