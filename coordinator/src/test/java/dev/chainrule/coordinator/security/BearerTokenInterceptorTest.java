package dev.chainrule.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.wire.BearerTokens;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The interceptor over a real socket: the number of authorization headers, not only their value, decides. */
class BearerTokenInterceptorTest {
    private static final String SECRET = "s3cret-token-value";

    @Test
    void theRightTokenIsAdmitted() throws Exception {
        assertEquals(Status.Code.OK, statusWith(List.of(BearerTokens.headerValue(SECRET))).getCode());
    }

    @Test
    void aWrongTokenThenTheRightOneIsRefused() throws Exception {
        Status status = statusWith(List.of(BearerTokens.headerValue("wrong"), BearerTokens.headerValue(SECRET)));
        assertEquals(Status.Code.UNAUTHENTICATED, status.getCode(), status.toString());
        assertEquals("2 authorization headers (expected: exactly one, a bearer token)", status.getDescription());
    }

    @Test
    void theRightTokenTwiceIsRefused() throws Exception {
        Status status = statusWith(List.of(BearerTokens.headerValue(SECRET), BearerTokens.headerValue(SECRET)));
        assertEquals(Status.Code.UNAUTHENTICATED, status.getCode(), status.toString());
    }

    /** The status of a Session call carrying {@code values} as its authorization headers, which the service completes at once. */
    private static Status statusWith(List<String> values) throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new CoordinatorGrpc.CoordinatorImplBase() {
                    @Override
                    public StreamObserver<WorkerMessage> session(StreamObserver<CoordinatorMessage> responses) {
                        responses.onCompleted();
                        return new Ignoring<>();
                    }
                })
                .intercept(new BearerTokenInterceptor(SECRET)).build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        try {
            Channel withHeaders = ClientInterceptors.intercept(channel, new ClientInterceptor() {
                @Override
                public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                        @Override
                        public void start(Listener<R> listener, Metadata headers) {
                            values.forEach(v -> headers.put(BearerTokens.AUTHORIZATION, v));
                            super.start(listener, headers);
                        }
                    };
                }
            });
            CompletableFuture<Status> closed = new CompletableFuture<>();
            CoordinatorGrpc.newStub(withHeaders).session(new StreamObserver<>() {
                @Override
                public void onNext(CoordinatorMessage value) {
                }

                @Override
                public void onError(Throwable t) {
                    closed.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    closed.complete(Status.OK);
                }
            }).onCompleted();
            return closed.get(10, TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A request observer that ignores everything. */
    private static final class Ignoring<T> implements StreamObserver<T> {
        @Override
        public void onNext(T value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
