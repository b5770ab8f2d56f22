package dev.chainrule.worker;

import dev.chainrule.wire.CertificateCheck;
import dev.chainrule.wire.StatusDescriptions;
import dev.chainrule.wire.Transport;
import dev.chainrule.wire.RawBytesMarshaller;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * How a worker's channel to the coordinator is secured: plaintext, TLS that trusts the CA bundle
 * given (the coordinator's certificate must chain to it and name the host or IP address the worker
 * dials), or mutual TLS that also presents a client certificate and its key (PEM; the key
 * unencrypted PKCS#8); optionally with the shared bearer token on every call. Immutable;
 * {@link #toString} never shows the token.
 *
 * <p>Lifecycle: build with the factories, then {@link #newChannel} for each coordinator; the caller
 * owns and shuts down the channel, as with any channel given to {@link Worker}.
 */
public final class ChannelSecurity {
    /** A method no coordinator serves: it fails at once with the transport's error, or with UNIMPLEMENTED at a server. */
    private static final MethodDescriptor<byte[], byte[]> PROBE = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("chainrule.v1.Coordinator", "ConnectionProbe"))
            .setRequestMarshaller(new RawBytesMarshaller())
            .setResponseMarshaller(new RawBytesMarshaller())
            .build();

    private final String description;
    private final ChannelCredentials transport;
    private final BearerToken token;

    private ChannelSecurity(String description, ChannelCredentials transport, BearerToken token) {
        this.description = description;
        this.transport = transport;
        this.token = token;
    }

    /** No TLS and no token. */
    public static ChannelSecurity plaintext() {
        return new ChannelSecurity("plaintext", InsecureChannelCredentials.create(), null);
    }

    /**
     * TLS that trusts the CA certificates in {@code ca} (PEM) and nothing else.
     *
     * @throws IllegalArgumentException when the file is missing, unreadable or not PEM certificates (naming it)
     */
    public static ChannelSecurity tls(Path ca) {
        TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
        try {
            builder.trustManager(readable(ca, "CA").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the TLS CA " + ca + ": " + e.getMessage(), e);
        }
        return new ChannelSecurity("TLS", checked(builder.build(), "CA " + ca, ca, null, null), null);
    }

    /**
     * As {@link #tls}, and presents the client certificate chain {@code clientCert} with its private
     * key {@code clientKey} (PEM) to a coordinator that requires one.
     *
     * @throws IllegalArgumentException when a file is missing or unreadable, or the files are not a
     *     usable PEM certificate chain and key (naming them): also when the client certificate has
     *     expired or is not yet valid, or the key is not its key ({@link CertificateCheck})
     */
    public static ChannelSecurity mutualTls(Path ca, Path clientCert, Path clientKey) {
        TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
        try {
            builder.trustManager(readable(ca, "CA").toFile())
                    .keyManager(readable(clientCert, "client certificate").toFile(), readable(clientKey, "client key").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the TLS files: " + e.getMessage(), e);
        }
        ChannelCredentials credentials = checked(builder.build(), "CA " + ca + ", client certificate " + clientCert
                + " and client key " + clientKey, ca, clientCert, clientKey);
        CertificateCheck.requireUsable(clientCert, clientKey, Instant.now());
        return new ChannelSecurity("mutual TLS", credentials, null);
    }

    /**
     * These settings, and every call carries {@code authorization: Bearer <token>}.
     *
     * @throws IllegalArgumentException when the token is empty or not printable ASCII without spaces
     */
    public ChannelSecurity withToken(String token) {
        return new ChannelSecurity(description, transport, new BearerToken(token));
    }

    /** Whether the channel is encrypted. */
    public boolean encrypted() {
        return !(transport instanceof InsecureChannelCredentials);
    }

    /**
     * A new channel to {@code target} ({@code host:port}, or any gRPC target) with these settings. With
     * TLS the coordinator's certificate is checked against the host part of the target. Its
     * flow-control window is {@link Transport#FLOW_CONTROL_WINDOW_BYTES}, and it calls the calls'
     * listeners on its network thread (direct executor): the worker's listeners only queue messages
     * and signal, so they need no thread of their own.
     */
    public ManagedChannel newChannel(String target) {
        ChannelCredentials credentials = token == null ? transport : CompositeChannelCredentials.create(transport, token);
        return NettyChannelBuilder.forTarget(target, credentials).flowControlWindow(Transport.FLOW_CONTROL_WINDOW_BYTES).directExecutor().build();
    }

    /**
     * Why {@code channel} (made by {@link #newChannel}) cannot reach the coordinator, when it is not
     * connected: a call that does not wait for the connection is tried, and the transport error it
     * fails with (UNAVAILABLE, with the description, the root cause such as a failed certificate
     * check, and a hint) is returned. Empty when the channel is connected or the call reached a server.
     * Waits at most {@code timeout}. Meant for error messages after a worker's wait for the
     * coordinator expired, since a call that waits for the connection never sees why it failed.
     */
    public Optional<String> connectionFailure(ManagedChannel channel, Duration timeout) {
        if (channel.getState(false) == ConnectivityState.READY) {
            return Optional.empty();
        }
        try {
            ClientCalls.blockingUnaryCall(channel, PROBE, CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS),
                    new byte[0]);
            return Optional.empty();
        } catch (StatusRuntimeException e) {
            Status status = e.getStatus();
            if (status.getCode() != Status.Code.UNAVAILABLE) {
                return Optional.empty();
            }
            String failure = StatusDescriptions.describe(status);
            return Optional.of(failure + hint(failure));
        }
    }

    private String hint(String failure) {
        String lower = failure.toLowerCase(Locale.ROOT);
        // a TLS coordinator drops a plaintext handshake: the worker sees the stream closed or the connection reset, by timing
        if (!encrypted() && (lower.contains("network closed") || lower.contains("connection reset"))) {
            return "; this worker does not use TLS: does the coordinator?";
        }
        if (encrypted() && lower.contains("not an ssl/tls record")) {
            return "; the coordinator does not speak TLS: was it started without a certificate?";
        }
        if (lower.contains("certification path") || lower.contains("pkix")) {
            return "; the coordinator's certificate is not issued by a CA this worker trusts";
        }
        if (lower.contains("certificate_required") || lower.contains("certificate required")) {
            return "; the coordinator requires a client certificate"
                    + (description.equals("mutual TLS") ? " and did not accept this worker's" : " and this worker has none");
        }
        return "";
    }

    /** "plaintext", "TLS" or "mutual TLS", each followed by ", bearer token" when one is sent. */
    @Override
    public String toString() {
        return description + (token != null ? ", bearer token" : "");
    }

    /**
     * {@code credentials}, once their files parse as the channel will parse them: a bad file fails
     * here rather than at the first handshake. (A Netty channel builder would parse them too, but
     * holds gRPC's shared executor until it is built and shut down.)
     */
    private static ChannelCredentials checked(ChannelCredentials credentials, String files, Path ca, Path clientCert, Path clientKey) {
        try {
            SslContextBuilder builder = GrpcSslContexts.forClient().trustManager(ca.toFile());
            if (clientCert != null) {
                builder.keyManager(clientCert.toFile(), clientKey.toFile());
            }
            ReferenceCountUtil.release(builder.build());
        } catch (IllegalArgumentException | SSLException e) {
            Throwable root = StatusDescriptions.rootCause(e);
            throw new IllegalArgumentException("cannot use the TLS " + files + ": " + e.getMessage()
                    + (root == e ? "" : " (" + root + ")"), e);
        }
        return credentials;
    }

    private static Path readable(Path file, String what) {
        Objects.requireNonNull(file, what);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("the TLS " + what + " " + file + " is not a readable file");
        }
        return file;
    }
}
