package dev.chainrule.coordinator.security;

import dev.chainrule.wire.BearerTokens;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Admits a call only if it carries exactly one {@code authorization} header, {@code Bearer <token>} with the shared
 * token ({@link BearerTokens}); any other call is closed with UNAUTHENTICATED before the service sees it, and a warning
 * naming the method and the peer's address (never the token, nor what was presented) is logged to
 * {@code java.util.logging} under this class' name. The comparison is {@link MessageDigest#isEqual},
 * whose time does not depend on where the presented value first differs.
 *
 * <p>Thread-safe: immutable; gRPC calls it on its own threads.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
    private static final Logger LOG = Logger.getLogger(BearerTokenInterceptor.class.getName());

    private final byte[] expected;

    /**
     * An interceptor that admits calls carrying {@code token}.
     *
     * @throws IllegalArgumentException as {@link BearerTokens#headerValue}: the message names the
     *     position of a bad character, not the token
     */
    public BearerTokenInterceptor(String token) {
        this.expected = BearerTokens.headerValue(token).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Iterable<String> all = headers.getAll(BearerTokens.AUTHORIZATION);
        List<String> values = new ArrayList<>();
        if (all != null) {
            all.forEach(values::add);
        }
        String presented = values.size() == 1 ? values.get(0) : null;
        String problem;
        if (values.isEmpty()) {
            problem = "no authorization metadata (expected: a bearer token; is the worker missing --token-file?)";
        } else if (values.size() > 1) {
            problem = values.size() + " authorization headers (expected: exactly one, a bearer token)";
        } else if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII), expected)) {
            // isEqual's time depends only on the length of its first argument, which the caller already knows
            problem = presented.startsWith(BearerTokens.SCHEME) ? "the bearer token does not match the coordinator's"
                    : "the authorization metadata is not a bearer token";
        } else {
            return next.startCall(call, headers);
        }
        SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        LOG.log(Level.WARNING, "rejected a call to {0} from {1} (UNAUTHENTICATED: {2})",
                new Object[] {call.getMethodDescriptor().getFullMethodName(), peer == null ? "an unknown peer" : peer, problem});
        call.close(Status.UNAUTHENTICATED.withDescription(problem), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    @Override
    public String toString() {
        return "BearerTokenInterceptor[token hidden]";
    }
}
