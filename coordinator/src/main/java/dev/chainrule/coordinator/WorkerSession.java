package dev.chainrule.coordinator;

import dev.chainrule.metrics.timeline.Track;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Excerpt;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.Heartbeat;
import dev.chainrule.proto.v1.PartitionReport;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.wire.ReceivedMessage;
import dev.chainrule.wire.ShardAssembly;
import dev.chainrule.wire.WireFormatException;
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
 * after the Welcome, gradient chunks are assembled one shard at a time for the worker's duty,
 * heartbeats record a sign of life, and Leave or the end of the stream removes the worker.
 *
 * <p>Every message is checked before anything of it is kept: its size, then that it is well-formed
 * (INVALID_ARGUMENT), then that it fits what the worker was told to do, its {@link WorkerHandle.Duty}
 * (FAILED_PRECONDITION); {@code training.proto} lists the cases. What passes is posted to the
 * {@link CoordinatorLoop} as a {@link RunEvent}: the Join, each parameter's gradient once all of its
 * chunks passed (so nothing of a rejected chunk is ever summed), each shard once complete. A message
 * that fails ends this session with that status, whose description says what was expected and what
 * arrived, and removes the worker (posted as broken: the loop takes back what it sent of the step in
 * progress, complete shards included, and has others compute it); the run goes on. Bytes that are not
 * a WorkerMessage, or too many of them, arrive as a {@link ReceivedMessage} and are rejected like any
 * other bad message. An unexpected failure while handling a message ends the session with INTERNAL
 * and fails the run (a coordinator bug is not the worker's fault). Messages from a worker the run has
 * dropped are ignored.
 *
 * <p>Threading: gRPC delivers the inbound calls one at a time; the cancel handler may run on another
 * gRPC thread, and the loop admits or refuses the worker on its own, so the session's end and its
 * worker are volatile and removal is idempotent. The assembly state is touched by the inbound calls
 * only.
 */
final class WorkerSession implements StreamObserver<ReceivedMessage> {
    private final CoordinatorService service;
    private final Outbox outbox;
    /** The peer's address, for the log line of a rejection before the worker joined ("an unknown address" when not known). */
    private final String peer;
    /** The name in the worker's Join, once one arrived, for the log line of a refused Join. */
    private volatile String joinName;
    /** Whether the Join was posted to the loop, which answers with a Welcome or a refusal. */
    private boolean joinPosted;
    /** The shard being received, or null between shards: a worker sends one shard's chunks at a time. */
    private ShardAssembly assembly;
    /** This session's timeline track, made when its first gradient arrives (gRPC calls a stream's handlers one at a time). */
    private Track track;
    /** The step of {@link #delivered}. */
    private long deliveredStep = -1;
    /** The shards this worker has delivered in {@link #deliveredStep}. */
    private final Set<Integer> delivered = new HashSet<>();
    /**
     * The buffers this session's shard gradients are assembled in: the n-th shard the worker starts
     * in a step goes into the n-th set. A set delivered in a step is read by the step's reduction
     * until the step seals; the session writes it again only in a later step, whose assignment the
     * loop sends after that, and no other session ever writes it. So from the second step on,
     * receiving a gradient allocates nothing and copies each byte once, from the message into its tensor.
     */
    private final List<Map<String, Tensor>> buffers = new ArrayList<>();
    /** How many of {@link #buffers} the worker has started in {@link #deliveredStep}. */
    private int buffersUsed;
    private volatile WorkerHandle worker;
    private volatile boolean ended;
    private volatile String endReason;

    WorkerSession(CoordinatorService service, ServerCallStreamObserver<byte[]> stream, SocketAddress peer) {
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
            return; // the session ended, or the run dropped the worker (e.g. after its heartbeat timeout)
        }
        String kind = "WorkerMessage";
        try {
            WorkerMessage message = parsed(received);
            kind = kind(message);
            WorkerHandle w = worker;
            if (w == null) {
                beforeWelcome(message);
                return;
            }
            w.touch();
            switch (message.getKindCase()) {
                case GRADIENT -> {
                    if (service.partitioned()) {
                        throw ProtocolException.precondition("a gradient on the session" + from() + " (expected: none; this run is"
                                + " partitioned, and gradients go to the partitions)");
                    }
                    gradient(w, message.getGradient());
                }
                case PARTITION_REPORT -> partitionReport(w, message.getPartitionReport());
                case HEARTBEAT -> heartbeat(w, message.getHeartbeat());
                case LEAVE -> {
                    // a shard in the middle of arriving is dropped; the loop reassigns what the worker owed
                    end("left (" + message.getLeave().getReason() + ")");
                    outbox.complete();
                }
                default -> throw ProtocolException.invalid("unexpected " + kind(message) + from()
                        + (service.partitioned() ? " (expected: heartbeat, leave or partition_report)"
                        : " (expected: gradient, heartbeat or leave)"));
            }
        } catch (ProtocolException e) {
            reject(e.status(), false);
        } catch (RuntimeException e) {
            reject(Status.INTERNAL.withDescription("the coordinator failed on a " + kind + " message" + from() + ": " + e)
                    .withCause(e), true);
        }
    }

    /** The Join, checked and posted; anything else before the Welcome is refused. */
    private void beforeWelcome(WorkerMessage message) throws ProtocolException {
        if (joinPosted) {
            throw ProtocolException.precondition("a " + kind(message) + " message before the Welcome (expected: nothing more until"
                    + " the coordinator answers the Join)");
        }
        if (message.getKindCase() != WorkerMessage.KindCase.JOIN) {
            throw ProtocolException.invalid("the first message must be Join (got: " + kind(message) + ")");
        }
        joinName = message.getJoin().getWorkerName();
        service.checkJoin(message.getJoin());
        joinPosted = true;
        service.loop().post(new RunEvent.Joining(this, message.getJoin().getWorkerName(),
                message.getJoin().hasPreviousWorkerId() ? message.getJoin().getPreviousWorkerId() : -1,
                message.getJoin().getPartitionAddress()));
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

    /** The worker's outbound stream. */
    Outbox outbox() {
        return outbox;
    }

    /** The worker the loop admitted, or null before. */
    WorkerHandle worker() {
        return worker;
    }

    /** The loop admitted this session's worker: from now on its messages are the worker's. */
    void admitted(WorkerHandle admitted) {
        this.worker = admitted;
    }

    /**
     * Ends the session with {@code status}, before its worker had an id (a bad first message, or a
     * Join the loop refused); called by the loop, after it reported {@link #refusal}.
     */
    void refuse(Status status) {
        ended = true;
        outbox.fail(status);
    }

    /** The line that reports this session's refusal with {@code status}: "worker 'a' at /127.0.0.1:5000 was refused (CODE: why)". */
    String refusal(Status status) {
        return who() + " at " + peer + " was refused (" + describe(status) + ")";
    }

    /** Whether the session has ended (closed, broken, refused or rejected). */
    boolean ended() {
        return ended;
    }

    /** Why the session ended, once it has. */
    String endReason() {
        return endReason;
    }

    /** Whether the session is still open: it has not ended and the run has not dropped its worker. */
    boolean isOpen() {
        WorkerHandle w = worker;
        return !ended && (w == null || !w.removed());
    }

    /** "worker 1 (host-a/pid-42)", or "a worker that has not joined". */
    String label() {
        WorkerHandle w = worker;
        return w == null ? "a worker that has not joined" : w.label();
    }

    /** "worker 'host-a/pid-42'" (its name cut to an excerpt), or "a worker that has not joined" before a Join arrived. */
    String who() {
        String name = joinName;
        return name == null ? "a worker that has not joined" : "worker '" + Excerpt.of(name) + "'";
    }

    /** A host's report, checked as a message and posted; the loop checks that the worker hosts that partition. */
    private void partitionReport(WorkerHandle w, PartitionReport report) throws ProtocolException {
        if (!service.partitioned()) {
            throw ProtocolException.precondition("a partition_report" + from() + " (expected: none; this run has no partitions)");
        }
        if (report.getPartition() < 0 || report.getStep() < 0 || report.getKindCase() == PartitionReport.KindCase.KIND_NOT_SET
                || report.hasUpdatedMeanLoss() && !Double.isFinite(report.getUpdatedMeanLoss())
                || report.hasShardIn() && (!Double.isFinite(report.getLossSum()) || report.getSamples() < 1)) {
            throw ProtocolException.invalid("a partition_report" + from() + " with partition " + report.getPartition() + ", step "
                    + report.getStep() + ", " + report.getKindCase() + ", loss_sum " + report.getLossSum() + " and samples "
                    + report.getSamples() + " (expected: partition >= 0, step >= 0, one kind set, finite losses, and a shard_in"
                    + " with samples >= 1)");
        }
        service.loop().post(new RunEvent.PartitionReported(w, report));
    }

    private void gradient(WorkerHandle w, GradientChunk chunk) throws ProtocolException {
        if (chunk.getStep() < 0) {
            throw ProtocolException.invalid("gradient for step " + chunk.getStep() + from() + " (expected: a step >= 0)");
        }
        if (!chunk.hasTensor()) {
            throw ProtocolException.invalid("step " + chunk.getStep() + ", shard " + chunk.getShardIndex() + ": GradientChunk.tensor is"
                    + " missing" + from() + " (expected: a chunk of one parameter's gradient)");
        }
        WorkerHandle.Duty duty = w.duty();
        if (duty.step() < 0) {
            throw ProtocolException.precondition("gradient for step " + chunk.getStep() + from()
                    + ", but no step has started (expected: a gradient only for a step the worker was assigned)");
        }
        if (chunk.getStep() != duty.step()) {
            throw ProtocolException.precondition((chunk.getStep() < duty.step() ? "stale" : "future") + " gradient for step "
                    + chunk.getStep() + from() + " (expected: step " + duty.step() + ", the step in progress)");
        }
        int shard = chunk.getShardIndex();
        if (assembly != null && (assembly.shard() != shard || assembly.step() != duty.step())) {
            throw ProtocolException.invalid("step " + duty.step() + ": a chunk of shard " + shard + from() + " arrived before shard "
                    + assembly.shard() + (assembly.step() == duty.step() ? "" : " of step " + assembly.step()) + " was complete"
                    + " (expected: " + assembly.awaiting() + " of shard " + assembly.shard() + ")");
        }
        if (assembly == null) {
            assembly = startShard(w, duty, shard);
        }
        ShardAssembly current = assembly;
        if (track == null) {
            track = service.timeline().track("session of " + w.label());
        }
        long start = track.now();
        Tensor parameterGradient;
        try {
            parameterGradient = current.accept(chunk);
        } catch (WireFormatException e) {
            throw ProtocolException.invalid(e.getMessage());
        }
        w.meters().gradientBytesReceived(chunk.getSerializedSize());
        if (parameterGradient != null) {
            int parameter = service.parameterIndex(parameterGradient.name());
            service.loop().post(new RunEvent.ParameterGradient(w, duty.step(), shard, parameter, parameterGradient));
            track.spanWithFlow(TimelineNames.RECEIVE, start, duty.step(), shard, parameter, false);
        }
        if (chunk.getLast()) {
            double lossSum;
            try {
                lossSum = current.complete();
            } catch (WireFormatException e) {
                throw ProtocolException.invalid(e.getMessage());
            }
            assembly = null;
            delivered.add(shard);
            service.loop().post(new RunEvent.ShardArrived(w, duty.step(), shard, lossSum, current.samples()));
        }
    }

    /** Checks that shard {@code shard} of the duty's step is one this worker owes, and starts assembling it. */
    private ShardAssembly startShard(WorkerHandle w, WorkerHandle.Duty duty, int shard) throws ProtocolException {
        int shards = duty.plan().shards();
        if (shard < 0 || shard >= shards) {
            throw ProtocolException.invalid("step " + duty.step() + ": shard " + shard + from() + " does not exist (expected: 0 <= shard < "
                    + shards + ")");
        }
        if (deliveredStep != duty.step()) {
            delivered.clear();
            buffersUsed = 0;
            deliveredStep = duty.step();
        }
        List<Integer> owed = new ArrayList<>(duty.shards());
        owed.removeAll(delivered);
        String expected = owed.isEmpty() ? "none: " + w.label() + " owes no shard of step " + duty.step()
                : "one of the shards it still owes, " + owed;
        if (delivered.contains(shard)) {
            throw ProtocolException.precondition("step " + duty.step() + ": shard " + shard + " was already received" + from()
                    + " (expected: " + expected + ")");
        }
        if (!owed.contains(shard)) {
            String owner = duty.plan().size(shard) == 0 ? "empty" : "not assigned to " + w.label();
            throw ProtocolException.precondition("step " + duty.step() + ": shard " + shard + " is " + owner + " (expected: " + expected
                    + ")");
        }
        return new ShardAssembly(duty.step(), shard, duty.plan().size(shard), service.parameterShapes(), service.chunkBytes(),
                service.compression(), nextBuffers());
    }

    /** The next set of {@link #buffers} for this step, allocated the first time it is needed. */
    private Map<String, Tensor> nextBuffers() {
        if (buffersUsed == buffers.size()) {
            Map<String, Tensor> set = new LinkedHashMap<>();
            service.parameterShapes().forEach((name, shape) ->
                    set.put(name, Tensor.lastingZeros(DType.FLOAT32, shape).named(name)));
            buffers.add(set);
        }
        return buffers.get(buffersUsed++);
    }

    /**
     * A heartbeat's step follows the rule 0 ≤ step ≤ t + 1, where t is the step in progress as the
     * worker's duty has it: the last step the coordinator started, or −1 before it has started one (a
     * worker may lag behind, never run ahead).
     */
    private void heartbeat(WorkerHandle w, Heartbeat heartbeat) throws ProtocolException {
        long claimed = heartbeat.getStep();
        if (claimed < 0) {
            throw ProtocolException.invalid("heartbeat for step " + claimed + from() + " (expected: a step >= 0)");
        }
        long inProgress = w.duty().step();
        if (claimed > inProgress + 1) {
            throw ProtocolException.precondition("heartbeat for future step " + claimed + from() + " (expected: at most "
                    + (inProgress + 1) + ", since " + (inProgress < 0 ? "no step has started" : "step " + inProgress + " is in progress")
                    + ")");
        }
        service.workerTimes().record(w.name(), w.id(), heartbeat.getComputeNanos(), heartbeat.getCommunicationNanos());
    }

    /**
     * Ends the session with {@code status}: nothing more of it is read; the loop reports it in one
     * line and then ends the stream with the status; the worker is removed, everything it sent of the
     * step in progress is taken back and its shards go to others, and with {@code failRun}, the run
     * fails.
     */
    private void reject(Status status, boolean failRun) {
        ended = true;
        endReason = "broke the protocol (" + describe(status) + ")";
        service.metrics().rejectedMessage(status.getCode().name());
        assembly = null;
        WorkerHandle w = worker;
        if (w == null) {
            service.loop().post(new RunEvent.Refused(this, status));
            return;
        }
        if (failRun) {
            service.loop().post(new RunEvent.RunFailed(w.label() + ": " + status.getDescription()));
        }
        service.loop().post(new RunEvent.WorkerGone(w, endReason, status));
    }

    private void end(String why) {
        if (endReason == null) {
            endReason = why;
        }
        ended = true;
        WorkerHandle w = worker;
        if (w != null) {
            service.loop().post(new RunEvent.WorkerGone(w, why, null));
        }
    }

    /** " from worker 1 (host-a/pid-42)", or "" before the Welcome. */
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
