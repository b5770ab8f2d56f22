package dev.chainrule.coordinator;

import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.StepAssignment;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.List;

/** A worker's outbound stream for tests: records what it is sent; ready unless told otherwise. */
final class RecordingStream extends ServerCallStreamObserver<CoordinatorMessage> {
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
    public void onNext(CoordinatorMessage value) {
        messages.add(value);
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
