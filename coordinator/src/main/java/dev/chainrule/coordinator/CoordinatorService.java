package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.nn.Mlp;
import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.Join;
import dev.chainrule.proto.v1.WorkerMessage;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Collections;
import java.util.Map;

/**
 * The {@code Coordinator} gRPC service: each {@code Session} call becomes a {@link WorkerSession}
 * that admits the worker (Join → Welcome) and takes its gradients and heartbeats. Thread-safe; gRPC
 * calls it on its own threads.
 */
public final class CoordinatorService extends CoordinatorGrpc.CoordinatorImplBase {
    /** The protocol version this service speaks: the one {@code training.proto} describes. */
    public static final int PROTOCOL_VERSION = 1;

    private final RunDescription run;
    private final CoordinatorSettings settings;
    private final WorkerRegistry registry;
    private final Map<String, Shape> shapes;

    CoordinatorService(RunDescription run, CoordinatorSettings settings, WorkerRegistry registry) {
        this.run = run;
        this.settings = settings;
        this.registry = registry;
        this.shapes = Collections.unmodifiableMap(Mlp.parameterShapes(run.spec()));
    }

    @Override
    public StreamObserver<WorkerMessage> session(StreamObserver<CoordinatorMessage> responseObserver) {
        return new WorkerSession(this, (ServerCallStreamObserver<CoordinatorMessage>) responseObserver);
    }

    /** Checks {@code join} against the run and registers the worker, whose Welcome is queued on {@code outbox}. */
    WorkerHandle admit(Join join, Outbox outbox) throws ProtocolException {
        if (join.getWorkerName().isBlank()) {
            throw ProtocolException.invalid("Join.worker_name is empty (expected: a name for logs, e.g. host/pid)");
        }
        String who = "worker '" + join.getWorkerName() + "'";
        if (join.getProtocolVersion() != PROTOCOL_VERSION) {
            throw ProtocolException.precondition(who + " speaks protocol version " + join.getProtocolVersion()
                    + " (expected: " + PROTOCOL_VERSION + ")");
        }
        if (join.getTrainSamples() != run.trainSamples()) {
            throw ProtocolException.precondition(who + " has " + join.getTrainSamples()
                    + " training samples but the coordinator's training set has " + run.trainSamples());
        }
        if (join.getFeatures() != run.features()) {
            throw ProtocolException.precondition(who + "'s samples have " + join.getFeatures()
                    + " features but the coordinator's have " + run.features());
        }
        return registry.register(join.getWorkerName(), outbox, id -> Messages.welcome(id, run, settings));
    }

    WorkerRegistry registry() {
        return registry;
    }

    /** The names and shapes of the model's parameters, in order: what every shard gradient must hold. */
    Map<String, Shape> parameterShapes() {
        return shapes;
    }
}
