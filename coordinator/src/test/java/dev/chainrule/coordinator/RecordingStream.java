package dev.chainrule.coordinator;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.StepAssignment;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;

/** A worker's outbound stream for tests: records what it is sent, parsed; ready unless told otherwise. */
final class RecordingStream extends ServerCallStreamObserver<byte[]> {
    final List<CoordinatorMessage> messages = new ArrayList<>();
    Status error;
    private boolean ready = true;
    private Runnable onReady = () -> { };

    List<StepAssignment> assignments() {
        return messages.stream().filter(CoordinatorMessage::hasAssignment).map(CoordinatorMessage::getAssignment).toList();
    }

    void clear() {
        messages.clear();
    }

    /** The transport takes nothing more until {@link #becomeReady}. */
    void stall() {
        ready = false;
    }

    /** The transport is ready again, and says so as gRPC does. */
    void becomeReady() {
        ready = true;
        onReady.run();
    }

    @Override
    public void onNext(byte[] value) {
        try {
            messages.add(CoordinatorMessage.parseFrom(value));
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("the coordinator sent bytes that are not a CoordinatorMessage", e);
        }
    }

    @Override
    public void onError(Throwable t) {
        error = Status.fromThrowable(t);
    }

    @Override
    public void onCompleted() {
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {
        this.onReady = onReadyHandler;
    }

    @Override
    public void setCompression(String compression) {
    }

    @Override
    public void disableAutoInboundFlowControl() {
    }

    @Override
    public void request(int count) {
    }

    @Override
    public void setMessageCompression(boolean enable) {
    }
}
