package dev.chainrule.coordinator;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.Heartbeat;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.wire.ReceivedMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The coordinator's end of one worker's {@code Session} stream. The first message must be a Join;
 * after the Welcome, gradient chunks are assembled one shard at a time for the step in progress,
 * heartbeats record a sign of life, and Leave or the end of the stream removes the worker.
 *
 * <p>Every message is checked before anything of it is kept: its size, then that it is well-formed
 * (INVALID_ARGUMENT), then that it fits the run's state (FAILED_PRECONDITION); {@code training.proto}
 * lists the cases. A message that fails ends this session with that status, whose description says
 * what was expected and what arrived, and removes the worker from the registry, which has the other
 * workers compute the shards it still owed; the run goes on. A parameter's gradient reaches the step
 * only once all of its chunks passed, so nothing of a rejected chunk is ever summed, and what the
 * worker had sent of the step before it, complete shards included, is taken back
 * ({@link WorkerRegistry#removeBroken}). Bytes that are not a WorkerMessage, or too many of them,
 * arrive as a {@link ReceivedMessage} and are rejected like any other bad message. An unexpected
 * failure while handling a message ends the session with INTERNAL and fails the run (a coordinator
 * bug is not the worker's fault). Messages from a worker the registry has dropped are ignored.
 *
 * <p>Threading: gRPC delivers the inbound calls one at a time; the cancel handler may run on another
 * gRPC thread, so the session's end is recorded in a volatile flag and removal is idempotent. The
 * assembly state is touched by the inbound calls only.
 */
final class WorkerSession implements StreamObserver<ReceivedMessage> {
    private final CoordinatorService service;
    private final Outbox outbox;
    /** The peer's address, for the log line of a rejection before the worker joined ("an unknown address" when not known). */
    private final String peer;
    /** The name in the worker's Join, once one arrived, for the log line of a refused Join. */
    private String joinName;
    /** The shard being received, or null between shards: a worker sends one shard's chunks at a time. */
    private ShardAssembly assembly;
    /** The step of {@link #delivered}. */
    private long deliveredStep = -1;
    /** The shards this worker has delivered in {@link #deliveredStep}. */
    private final Set<Integer> delivered = new HashSet<>();
    /**
     * The buffers this session's shard gradients are assembled in: the n-th shard the worker starts
     * in a step goes into the n-th set. A set delivered in a step is read by the step's reduction
     * until its update; the session writes it again only in a later step, which starts after that update, and
     * no other session ever writes it. So from the second step on, receiving a gradient allocates
     * nothing and copies each byte once, from the message into its tensor.
     */
    private final List<Map<String, Tensor>> buffers = new ArrayList<>();
    /** How many of {@link #buffers} the worker has started in {@link #deliveredStep}. */
    private int buffersUsed;
    private volatile WorkerHandle worker;
    private volatile boolean ended;

    WorkerSession(CoordinatorService service, ServerCallStreamObserver<CoordinatorMessage> stream, SocketAddress peer) {
        this.service = service;
        this.peer = peer == null ? "an unknown address" : peer.toString();
        this.outbox = new Outbox(stream, () -> end("disconnected (the call was cancelled)"));
    }

    /** Handles {@code received}, then releases it: nothing of it is kept (a gradient's bytes are decoded into {@link #buffers}). */
    @Override
    public void onNext(ReceivedMessage received) {
        try {
            receive(received);
        } finally {
            received.release();
        }
    }

    private void receive(ReceivedMessage received) {
        if (ended || worker != null && worker.removed()) {
            return; // the session ended, or the registry dropped the worker (e.g. after its heartbeat timeout)
        }
        String kind = "WorkerMessage";
        try {
            WorkerMessage message = parsed(received);
            kind = kind(message);
            if (worker == null) {
                if (message.getKindCase() != WorkerMessage.KindCase.JOIN) {
                    throw ProtocolException.invalid("the first message must be Join (got: " + kind(message) + ")");
                }
                joinName = message.getJoin().getWorkerName();
                worker = service.admit(message.getJoin(), this, outbox);
                return;
            }
            worker.touch();
            switch (message.getKindCase()) {
                case GRADIENT -> gradient(message.getGradient());
                case HEARTBEAT -> heartbeat(message.getHeartbeat());
                case LEAVE -> {
                    // a shard in the middle of arriving is dropped; the registry reassigns what the worker owed
                    end("left (" + message.getLeave().getReason() + ")");
                    outbox.complete();
                }
                default -> throw ProtocolException.invalid("unexpected " + kind(message) + from()
                        + " (expected: gradient, heartbeat or leave)");
            }
        } catch (ProtocolException e) {
            reject(e.status(), false);
        } catch (RuntimeException e) {
            reject(Status.INTERNAL.withDescription("the coordinator failed on a " + kind + " message" + from() + ": " + e)
                    .withCause(e), true);
        }
    }

    /** The message {@code received} holds, or the rejection of one too large or not a WorkerMessage at all. */
    private WorkerMessage parsed(ReceivedMessage received) throws ProtocolException {
        if (received instanceof ReceivedMessage.TooLarge t) {
            throw ProtocolException.exhausted("a " + t.kind() + " message of " + t.size() + " bytes" + from() + " (expected: at most "
                    + service.messageLimit() + " bytes, a chunk of chunk_bytes " + service.chunkBytes() + " plus "
                    + CoordinatorSettings.MESSAGE_OVERHEAD_BYTES + " bytes for the other fields)");
        }
        if (received instanceof ReceivedMessage.Unparseable u) {
            throw ProtocolException.invalid("not a WorkerMessage: " + u.problem() + " (a message of " + u.size() + " bytes" + from() + ")");
        }
        return ((ReceivedMessage.Parsed) received).message();
    }

    @Override
    public void onError(Throwable t) {
        end("disconnected (" + describe(Status.fromThrowable(t)) + ")");
    }

    @Override
    public void onCompleted() {
        ShardAssembly partial = assembly;
        if (partial != null && !ended) {
            reject(Status.INVALID_ARGUMENT.withDescription("step " + partial.step() + ", shard " + partial.shard() + ": the stream"
                    + from() + " was closed in the middle of the shard (expected: " + partial.awaiting() + ")"), false);
            return;
        }
        end("closed its stream");
        outbox.complete();
    }

    /** Whether the session is still open: it has not ended and the registry has not dropped its worker. */
    boolean isOpen() {
        WorkerHandle w = worker;
        return !ended && (w == null || !w.removed());
    }

    /** "worker 1 (host-a/pid-42)", or "a worker that has not joined". */
    String label() {
        WorkerHandle w = worker;
        return w == null ? "a worker that has not joined" : w.label();
    }

    private void gradient(GradientChunk chunk) throws ProtocolException {
        if (chunk.getStep() < 0) {
            throw ProtocolException.invalid("gradient for step " + chunk.getStep() + from() + " (expected: a step >= 0)");
        }
        if (!chunk.hasTensor()) {
            throw ProtocolException.invalid("step " + chunk.getStep() + ", shard " + chunk.getShardIndex() + ": GradientChunk.tensor is"
                    + " missing" + from() + " (expected: a chunk of one parameter's gradient)");
        }
        PendingStep step = service.registry().current();
        if (step == null) {
            throw ProtocolException.precondition("gradient for step " + chunk.getStep() + from()
                    + ", but no step has started (expected: a gradient only for a step the worker was assigned)");
        }
        if (chunk.getStep() != step.step()) {
            throw ProtocolException.precondition((chunk.getStep() < step.step() ? "stale" : "future") + " gradient for step "
                    + chunk.getStep() + from() + " (expected: step " + step.step() + ", the step in progress)");
        }
        int shard = chunk.getShardIndex();
        if (assembly != null && (assembly.shard() != shard || assembly.step() != step.step())) {
            throw ProtocolException.invalid("step " + step.step() + ": a chunk of shard " + shard + from() + " arrived before shard "
                    + assembly.shard() + (assembly.step() == step.step() ? "" : " of step " + assembly.step()) + " was complete"
                    + " (expected: " + assembly.awaiting() + " of shard " + assembly.shard() + ")");
        }
        if (assembly == null) {
            assembly = startShard(step, shard);
        }
        ShardAssembly current = assembly;
        Tensor parameterGradient = current.accept(chunk);
        service.metrics().gradientBytesReceived(worker.id(), chunk.getSerializedSize());
        if (parameterGradient != null) {
            step.deliverGradient(shard, worker, service.parameterIndex(parameterGradient.name()), parameterGradient);
        }
        if (chunk.getLast()) {
            double lossSum = current.complete();
            assembly = null;
            delivered.add(shard);
            step.deliver(shard, worker, lossSum, current.samples());
        }
    }

    /** Checks that shard {@code shard} of {@code step} is one this worker owes, and starts assembling it. */
    private ShardAssembly startShard(PendingStep step, int shard) throws ProtocolException {
        int shards = step.plan().shards();
        if (shard < 0 || shard >= shards) {
            throw ProtocolException.invalid("step " + step.step() + ": shard " + shard + from() + " does not exist (expected: 0 <= shard < "
                    + shards + ")");
        }
        if (deliveredStep != step.step()) {
            delivered.clear();
            buffersUsed = 0;
            deliveredStep = step.step();
        }
        List<Integer> owed = new ArrayList<>(step.shardsOf(worker));
        owed.removeAll(delivered);
        String expected = owed.isEmpty() ? "none: " + worker.label() + " owes no shard of step " + step.step()
                : "one of the shards it still owes, " + owed;
        if (delivered.contains(shard)) {
            throw ProtocolException.precondition("step " + step.step() + ": shard " + shard + " was already received" + from()
                    + " (expected: " + expected + ")");
        }
        if (!owed.contains(shard)) {
            throw ProtocolException.precondition("step " + step.step() + ": shard " + shard + " is not assigned to " + worker.label()
                    + " (expected: " + expected + ")");
        }
        step.checkOwed(shard, worker);
        return new ShardAssembly(step.step(), shard, step.plan().size(shard), service.parameterShapes(), service.chunkBytes(),
                service.compression(), nextBuffers());
    }

    /** The next set of {@link #buffers} for this step, allocated the first time it is needed. */
    private Map<String, Tensor> nextBuffers() {
        if (buffersUsed == buffers.size()) {
            Map<String, Tensor> set = new LinkedHashMap<>();
            service.parameterShapes().forEach((name, shape) ->
                    set.put(name, Tensor.wrap(shape, Storage.allocateLasting(DType.FLOAT32, shape.size())).named(name)));
            buffers.add(set);
        }
        return buffers.get(buffersUsed++);
    }

    /**
     * A heartbeat's step follows the rule 0 ≤ step ≤ t + 1, where t is the step in progress: the last
     * step the coordinator started, or −1 before it has started one (a worker may lag behind, never
     * run ahead).
     */
    private void heartbeat(Heartbeat heartbeat) throws ProtocolException {
        long claimed = heartbeat.getStep();
        if (claimed < 0) {
            throw ProtocolException.invalid("heartbeat for step " + claimed + from() + " (expected: a step >= 0)");
        }
        PendingStep step = service.registry().current();
        long inProgress = step == null ? -1 : step.step();
        if (claimed > inProgress + 1) {
            throw ProtocolException.precondition("heartbeat for future step " + claimed + from() + " (expected: at most "
                    + (inProgress + 1) + ", since " + (step == null ? "no step has started" : "step " + inProgress + " is in progress")
                    + ")");
        }
    }

    /** Ends the session with {@code status}: the worker is removed (its shards go to others), and with {@code failRun}, the run fails. */
    /**
     * Ends the session with {@code status}: the worker is removed, everything it sent of the step in
     * progress is taken back and its shards go to others, and with {@code failRun}, the run fails.
     * The registry reports it in one line, as it does a Join refused before the worker had an id.
     */
    private void reject(Status status, boolean failRun) {
        ended = true;
        service.metrics().rejectedMessage(status.getCode().name());
        assembly = null;
        WorkerHandle w = worker;
        if (w == null) {
            service.registry().refused((joinName == null ? "a worker that has not joined" : "worker '" + joinName + "'") + " at " + peer,
                    describe(status));
        } else {
            if (failRun) {
                service.registry().fail(w.label() + ": " + status.getDescription());
            }
            service.registry().removeBroken(w, "broke the protocol (" + describe(status) + ")");
        }
        outbox.fail(status);
    }

    private void end(String why) {
        ended = true;
        WorkerHandle w = worker;
        if (w != null) {
            service.registry().remove(w, why);
        }
    }

    /** " from worker 1 (host-a/pid-42)", or "" before the Join. */
    private String from() {
        WorkerHandle w = worker;
        return w == null ? "" : " from " + w.label();
    }

    private static String kind(WorkerMessage message) {
        return message.getKindCase() == WorkerMessage.KindCase.KIND_NOT_SET ? "WorkerMessage with no kind set"
                : message.getKindCase().name().toLowerCase();
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }
}
