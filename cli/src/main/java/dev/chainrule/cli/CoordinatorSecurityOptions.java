package dev.chainrule.cli;

import dev.chainrule.coordinator.security.ServerSecurity;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How {@code chainrule coordinator} protects its port: TLS, mutual TLS and the shared token. */
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
}
