package dev.chainrule.cli;

import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.worker.ChannelSecurity;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How {@code chainrule coordinator} protects its port (TLS, mutual TLS and the shared token) and, in a
 * partitioned run, how it reaches the partitions the workers serve.
 */
final class CoordinatorSecurityOptions {

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve TLS with this certificate chain (PEM); it must name the host or address the workers dial."
                    + " Needs --tls-key.")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The private key of --tls-cert (PEM, unencrypted PKCS#8).")
    Path key;

    @Option(names = "--tls-client-ca", paramLabel = "FILE",
            description = "Mutual TLS: accept only workers whose client certificate is issued by a CA in this file (PEM)."
                    + " Needs --tls-cert and --tls-key.")
    Path clientCa;

    @Option(names = "--partition-tls-ca", paramLabel = "FILE",
            description = "With --partitions and --tls-cert: reach the partitions the workers serve (their --partition-tls-cert)"
                    + " over TLS, trusting only the CA certificates in this file (PEM) to have issued their certificates.")
    Path partitionCa;

    @Mixin
    TokenFileOption token = new TokenFileOption();

    /** Whether the options serve TLS. */
    boolean servesTls() {
        return cert != null;
    }

    /**
     * The server's security, or an input error naming the options that do not go together or a file
     * that is unusable; warnings (a token file others may read) go to {@code err}.
     */
    ServerSecurity serverSecurity(PrintWriter err) throws InputException {
        if ((cert == null) != (key == null)) {
            throw new InputException(cert == null ? "--tls-key needs --tls-cert (the certificate chain it belongs to)"
                    : "--tls-cert needs --tls-key (the certificate's private key)");
        }
        if (clientCa != null && cert == null) {
            throw new InputException("--tls-client-ca (mutual TLS) needs --tls-cert and --tls-key: the coordinator must serve TLS"
                    + " to check client certificates");
        }
        ServerSecurity security;
        try {
            security = cert == null ? ServerSecurity.plaintext()
                    : clientCa == null ? ServerSecurity.tls(cert, key) : ServerSecurity.mutualTls(cert, key, clientCa);
        } catch (IllegalArgumentException e) {
            throw new InputException("--tls-cert/--tls-key" + (clientCa != null ? "/--tls-client-ca" : "") + ": " + e.getMessage());
        }
        return token.applyTo(security, err);
    }

    /**
     * Checks the partitions' security for a run of {@code partitions} partitions (0: none): a
     * coordinator that serves TLS reaches its partitions over TLS, one that serves plaintext over
     * plaintext.
     */
    void checkPartitions(int partitions) throws InputException {
        if (partitionCa != null && partitions == 0) {
            throw new InputException("--partition-tls-ca needs --partitions (the partitions it trusts)");
        }
        if (partitionCa != null && cert == null) {
            throw new InputException("--partition-tls-ca needs --tls-cert and --tls-key: the workers of a run whose coordinator"
                    + " serves plaintext serve their partitions over plaintext too");
        }
        if (partitions > 0 && cert != null && partitionCa == null) {
            throw new InputException("--partitions with --tls-cert needs --partition-tls-ca: the CA that issued the certificates the"
                    + " workers serve their partitions with (their --partition-tls-cert)");
        }
    }

    /**
     * How the coordinator reaches the partitions: TLS trusting --partition-tls-ca, or plaintext; with
     * the token when given (any warning about its file was given with {@link #serverSecurity}).
     */
    ChannelSecurity partitionChannels() throws InputException {
        ChannelSecurity security;
        try {
            security = partitionCa == null ? ChannelSecurity.plaintext() : ChannelSecurity.tls(partitionCa);
        } catch (IllegalArgumentException e) {
            throw new InputException("--partition-tls-ca: " + e.getMessage());
        }
        return token.applyTo(security, new PrintWriter(Writer.nullWriter()));
    }
}
