package dev.chainrule.cli;

import dev.chainrule.coordinator.security.ServerSecurity;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How {@code chainrule worker} offers to host a partition of a partitioned run: where it serves it,
 * the address the others dial, and, in a run whose coordinator serves TLS, the certificate it serves
 * the partition with.
 */
final class PartitionHostingOptions {

    @Option(names = "--partition-listen", paramLabel = "HOST:PORT",
            description = "Offer to host a partition of a partitioned run (coordinator --partitions K): serve it on HOST:PORT"
                    + " (port 0 picks a free one) for the other workers and the coordinator, checking the token of --token-file"
                    + " when given: over plaintext gRPC, or over TLS with --partition-tls-cert when the worker reaches the"
                    + " coordinator with TLS (--tls-ca).")
    String listen;

    @Option(names = "--partition-advertise", paramLabel = "HOST:PORT",
            description = "The address the other workers dial to reach the partition this worker hosts (default: --partition-listen"
                    + " with the port it got; needed when it listens on 0.0.0.0).")
    String advertise;

    @Option(names = "--partition-tls-cert", paramLabel = "FILE",
            description = "Serve the hosted partition over TLS with this certificate chain (PEM), whose names must include the host"
                    + " the others dial (--partition-advertise, or --partition-listen's) and whose CA the other workers trust"
                    + " (their --tls-ca) and the coordinator does (its --partition-tls-ca). Needed with --partition-listen and"
                    + " --tls-ca; needs --partition-tls-key.")
    Path cert;

    @Option(names = "--partition-tls-key", paramLabel = "FILE",
            description = "The private key of --partition-tls-cert (PEM, unencrypted PKCS#8).")
    Path key;

    /**
     * Checks that the options go together for a worker that reaches the coordinator with TLS
     * ({@code clusterTls}) or not: a TLS run's partitions serve TLS, a plaintext run's plaintext.
     */
    void check(boolean clusterTls) throws InputException {
        if ((cert == null) != (key == null)) {
            throw new InputException(cert == null ? "--partition-tls-key needs --partition-tls-cert (the certificate it belongs to)"
                    : "--partition-tls-cert needs --partition-tls-key (the certificate's private key)");
        }
        if (cert != null && listen == null) {
            throw new InputException("--partition-tls-cert needs --partition-listen (where to serve the partition)");
        }
        if (cert != null && !clusterTls) {
            throw new InputException("--partition-tls-cert needs --tls-ca: the workers of a run whose coordinator serves plaintext"
                    + " reach the partitions over plaintext too");
        }
        if (listen != null && clusterTls && cert == null) {
            throw new InputException("--partition-listen with --tls-ca needs --partition-tls-cert and --partition-tls-key: the"
                    + " workers of a TLS run reach the partitions over TLS");
        }
    }

    /**
     * Starts the partition's server, or none without --partition-listen: over TLS with
     * --partition-tls-cert, else plaintext, checking {@code token}'s token when given.
     *
     * @throws InputException for an unusable certificate or key, or an address that does not parse
     */
    PartitionServer start(TokenFileOption token) throws InputException, IOException {
        ServerSecurity security;
        try {
            security = cert == null ? ServerSecurity.plaintext() : ServerSecurity.tls(cert, key);
        } catch (IllegalArgumentException e) {
            throw new InputException("--partition-tls-cert/--partition-tls-key: " + e.getMessage());
        }
        // the token file was checked, and any warning about it given, with the coordinator's channel
        security = token.applyTo(security, new PrintWriter(Writer.nullWriter()));
        return PartitionServer.start(listen, advertise, security);
    }
}
