package dev.chainrule.coordinator.security;

import dev.chainrule.wire.CertificateCheck;
import dev.chainrule.wire.StatusDescriptions;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * How the coordinator's server protects its port: plaintext, TLS (a certificate chain and its private
 * key, PEM; the key unencrypted PKCS#8), or mutual TLS (also a CA bundle that every worker's client
 * certificate must chain to), optionally with a shared bearer token that every call must carry.
 * Immutable; {@link #toString} never shows the token.
 */
public final class ServerSecurity {
    /** The kind of transport security. */
    public enum Transport {
        /** No encryption, no authentication of either side. */
        PLAINTEXT("plaintext"),
        /** The coordinator proves who it is; traffic is encrypted. */
        TLS("TLS"),
        /** As TLS, and every worker must present a certificate from the client CA. */
        MUTUAL_TLS("mutual TLS");

        private final String label;

        Transport(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final Transport transport;
    private final ServerCredentials credentials;
    private final BearerTokenInterceptor token;

    private ServerSecurity(Transport transport, ServerCredentials credentials, BearerTokenInterceptor token) {
        this.transport = transport;
        this.credentials = credentials;
        this.token = token;
    }

    /** No TLS and no token: for loopback, tests, or networks protected by other means. */
    public static ServerSecurity plaintext() {
        return new ServerSecurity(Transport.PLAINTEXT, InsecureServerCredentials.create(), null);
    }

    /**
     * TLS with the certificate chain {@code certChain} and its private key {@code privateKey} (PEM).
     *
     * @throws IllegalArgumentException when a file is missing or unreadable, or the files are not a
     *     usable PEM certificate chain and key (naming them): also when a certificate has expired or
     *     is not yet valid, or the key is not the certificate's ({@link CertificateCheck})
     */
    public static ServerSecurity tls(Path certChain, Path privateKey) {
        return build(Transport.TLS, certChain, privateKey, null);
    }

    /** As {@link #tls}, and every worker must present a client certificate issued by a CA in {@code clientCa} (PEM). */
    public static ServerSecurity mutualTls(Path certChain, Path privateKey, Path clientCa) {
        return build(Transport.MUTUAL_TLS, certChain, privateKey, Objects.requireNonNull(clientCa, "clientCa"));
    }

    /**
     * These settings, and every call must carry {@code authorization: Bearer <token>}.
     *
     * @throws IllegalArgumentException as {@link dev.chainrule.wire.BearerTokens#headerValue}
     */
    public ServerSecurity withToken(String token) {
        return new ServerSecurity(transport, credentials, new BearerTokenInterceptor(token));
    }

    /** The kind of transport security. */
    public Transport transport() {
        return transport;
    }

    /** The credentials to build the server with. */
    public ServerCredentials credentials() {
        return credentials;
    }

    /** Whether there is neither TLS nor a token: anyone who reaches the port can join. */
    public boolean unprotected() {
        return transport == Transport.PLAINTEXT && token == null;
    }

    /** The interceptor that checks the token, if one is required. */
    public Optional<ServerInterceptor> interceptor() {
        return Optional.ofNullable(token);
    }

    /**
     * A warning to print when a server with these settings listens on {@code bindHost}: present when
     * the address is not loopback (also when it is every interface, or cannot be resolved) and there
     * is neither TLS nor a token, so anyone who reaches the port can join the run, read the weights
     * and send gradients.
     */
    public Optional<String> exposureWarning(String bindHost, int port) {
        if (!unprotected() || isLoopback(bindHost)) {
            return Optional.empty();
        }
        return Optional.of("WARNING: the coordinator listens on " + bindHost + ":" + port + ", which is not a loopback address,"
                + " without TLS and without a token: anyone who can reach this port can join the run, read the model's"
                + " weights and send it gradients, and nothing on the wire is encrypted. Give --tls-cert/--tls-key (and"
                + " --tls-client-ca for mutual TLS) and --token-file, or --bind 127.0.0.1 for a local run.");
    }

    /** "plaintext", "TLS", "mutual TLS", each followed by ", bearer token" when one is required. */
    @Override
    public String toString() {
        return transport + (token != null ? ", bearer token" : "");
    }

    private static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static ServerSecurity build(Transport transport, Path certChain, Path privateKey, Path clientCa) {
        TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder();
        try {
            builder.keyManager(readable(certChain, "certificate chain").toFile(), readable(privateKey, "private key").toFile());
            if (clientCa != null) {
                builder.trustManager(readable(clientCa, "client CA").toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the TLS files: " + e.getMessage(), e);
        }
        parseOrFail(certChain, privateKey, clientCa);
        CertificateCheck.requireUsable(certChain, privateKey, Instant.now());
        ServerCredentials credentials = builder.build();
        return new ServerSecurity(transport, credentials, null);
    }

    /**
     * Parses the files as the server will, so that a bad file fails here rather than at the first
     * handshake. (A Netty server builder would parse them too, but holds gRPC's shared executor
     * until it is built and shut down.)
     */
    private static void parseOrFail(Path certChain, Path privateKey, Path clientCa) {
        try {
            SslContextBuilder builder = GrpcSslContexts.forServer(certChain.toFile(), privateKey.toFile());
            if (clientCa != null) {
                builder.trustManager(clientCa.toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            ReferenceCountUtil.release(builder.build());
        } catch (IllegalArgumentException | SSLException e) {
            throw new IllegalArgumentException("cannot use the TLS certificate chain " + certChain + ", private key " + privateKey
                    + (clientCa != null ? " and client CA " + clientCa : "") + ": " + rootMessage(e), e);
        }
    }

    private static Path readable(Path file, String what) {
        Objects.requireNonNull(file, what);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("the TLS " + what + " " + file + " is not a readable file");
        }
        return file;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = StatusDescriptions.rootCause(e);
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
    }
}
