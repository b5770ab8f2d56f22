package dev.chainrule.coordinator;

import dev.chainrule.metrics.CoordinatorMetrics;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Counts the calls closed UNAUTHENTICATED in {@code chainrule.rejected.messages}: added to the server
 * after the token interceptor ({@link dev.chainrule.coordinator.security.BearerTokenInterceptor}), it
 * runs before it and sees the calls that interceptor refuses, which the service never sees. (The
 * session counts its own rejections.) Thread-safe: immutable.
 */
final class RefusedCalls implements ServerInterceptor {
    private final CoordinatorMetrics metrics;

    RefusedCalls(CoordinatorMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (status.getCode() == Status.Code.UNAUTHENTICATED) {
                    metrics.rejectedMessage(status.getCode().name());
                }
                super.close(status, trailers);
            }
        }, headers);
    }
}
