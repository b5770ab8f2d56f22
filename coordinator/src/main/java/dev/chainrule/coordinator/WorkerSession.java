package dev.chainrule.coordinator;

import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.WorkerMessage;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;

/**
 * The coordinator's end of one worker's {@code Session} stream. The first message must be a Join;
 * after the Welcome, gradient chunks are assembled per shard of the step in progress, heartbeats
 * record a sign of life, and Leave or the end of the stream removes the worker. A message that
 * breaks the contract ends this session with INVALID_ARGUMENT and fails the run, naming the worker
 * (an unexpected failure while handling a message does the same with INTERNAL).
 *
 * <p>Threading: gRPC delivers the inbound calls one at a time; the cancel handler may run on another
 * gRPC thread, so the session's end is recorded in a volatile flag and removal is idempotent.
 */
final class WorkerSession implements StreamObserver<WorkerMessage> {
    private final CoordinatorService service;
    private final Outbox outbox;
    private final Map<Integer, ShardAssembly> assembling = new HashMap<>();
    private long assemblingStep = -1;
    private volatile WorkerHandle worker;
    private volatile boolean ended;

    WorkerSession(CoordinatorService service, ServerCallStreamObserver<CoordinatorMessage> stream) {
        this.service = service;
        this.outbox = new Outbox(stream, () -> end("disconnected (the call was cancelled)"));
    }

    @Override
    public void onNext(WorkerMessage message) {
        if (ended) {
            return;
        }
        try {
            if (worker == null) {
                if (message.getKindCase() != WorkerMessage.KindCase.JOIN) {
                    throw ProtocolException.invalid("the first message must be Join (got: " + kind(message) + ")");
                }
                worker = service.admit(message.getJoin(), outbox);
                return;
            }
            worker.touch();
            switch (message.getKindCase()) {
                case GRADIENT -> gradient(message.getGradient());
                case HEARTBEAT -> {
                    // touch() above is all a heartbeat does
                }
                case LEAVE -> {
                    end("left (" + message.getLeave().getReason() + ")");
                    outbox.complete();
                }
                default -> throw ProtocolException.invalid("unexpected " + kind(message) + " from " + worker.label()
                        + " (expected: gradient, heartbeat or leave)");
            }
        } catch (ProtocolException e) {
            reject(e.status());
        } catch (RuntimeException e) {
            reject(Status.INTERNAL.withDescription("the coordinator failed on a " + kind(message) + " message: " + e).withCause(e));
        }
    }

    @Override
    public void onError(Throwable t) {
        end("disconnected (" + describe(Status.fromThrowable(t)) + ")");
    }

    @Override
    public void onCompleted() {
        end("closed its stream");
        outbox.complete();
    }

    private void gradient(GradientChunk chunk) throws ProtocolException {
        PendingStep step = service.registry().current();
        if (step == null || chunk.getStep() != step.step()) {
            throw ProtocolException.invalid("gradient for step " + chunk.getStep() + " from " + worker.label() + ", but "
                    + (step == null ? "no step has started" : "step " + step.step() + " is in progress"));
        }
        int shard = chunk.getShardIndex();
        step.checkOwed(shard, worker);
        if (assemblingStep != step.step()) {
            assembling.clear();
            assemblingStep = step.step();
        }
        ShardAssembly assembly = assembling.get(shard);
        if (assembly == null) {
            assembly = new ShardAssembly(step.step(), shard, step.plan().size(shard), service.parameterShapes());
            assembling.put(shard, assembly);
        }
        assembly.accept(chunk);
        if (chunk.getLast()) {
            assembling.remove(shard);
            step.deliver(shard, worker, assembly.complete());
        }
    }

    /** Ends the session with {@code status}; a joined worker's violation fails the run. */
    private void reject(Status status) {
        ended = true;
        WorkerHandle w = worker;
        if (w != null) {
            String message = w.label() + " broke the protocol: " + status.getDescription();
            service.registry().fail(message);
            service.registry().remove(w, "broke the protocol");
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

    private static String kind(WorkerMessage message) {
        return message.getKindCase().name().toLowerCase();
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }
}
