package dev.chainrule.cli;

import dev.chainrule.worker.ChannelSecurity;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How {@code chainrule worker} secures its channel to the coordinator: TLS, mutual TLS and the shared token. */
final class WorkerSecurityOptions {

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "Connect with TLS, trusting only the CA certificates in this file (PEM) to have issued the"
                    + " coordinator's certificate.")
    Path ca;

    @Option(names = "--tls-client-cert", paramLabel = "FILE",
            description = "Mutual TLS: present this client certificate chain (PEM). Needs --tls-client-key and --tls-ca.")
    Path clientCert;

    @Option(names = "--tls-client-key", paramLabel = "FILE", description = "The private key of --tls-client-cert (PEM, unencrypted PKCS#8).")
    Path clientKey;

    @Mixin
    TokenFileOption token = new TokenFileOption();

    /** Whether the options ask for TLS to the coordinator. */
    boolean servesTls() {
        return ca != null;
    }

    /**
     * The channel's security, or an input error naming the options that do not go together or a file
     * that is unusable; warnings (a token file others may read) go to {@code err}.
     */
    ChannelSecurity channelSecurity(PrintWriter err) throws InputException {
        if ((clientCert == null) != (clientKey == null)) {
            throw new InputException(clientCert == null ? "--tls-client-key needs --tls-client-cert (the certificate it belongs to)"
                    : "--tls-client-cert needs --tls-client-key (the certificate's private key)");
        }
        if (clientCert != null && ca == null) {
            throw new InputException("--tls-client-cert (mutual TLS) needs --tls-ca: the CA that issued the coordinator's certificate");
        }
        ChannelSecurity security;
        try {
            security = ca == null ? ChannelSecurity.plaintext()
                    : clientCert == null ? ChannelSecurity.tls(ca) : ChannelSecurity.mutualTls(ca, clientCert, clientKey);
        } catch (IllegalArgumentException e) {
            throw new InputException("--tls-ca" + (clientCert != null ? "/--tls-client-cert/--tls-client-key" : "") + ": " + e.getMessage());
        }
        return token.applyTo(security, err);
    }
}
