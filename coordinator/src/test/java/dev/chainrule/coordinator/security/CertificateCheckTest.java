package dev.chainrule.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.wire.CertificateCheck;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key that is not its certificate's, and a certificate that has expired or is not yet valid, are
 * refused when the server's security is built, saying which (certificates made with openssl at test time).
 */
class CertificateCheckTest {
    @TempDir
    static Path dir;
    static TestCertificates certs;

    @BeforeAll
    static void generate() throws Exception {
        certs = TestCertificates.generate(dir);
    }

    @Test
    void aMatchingCurrentPairIsAccepted() {
        assertEquals(ServerSecurity.Transport.TLS, ServerSecurity.tls(certs.serverCert(), certs.serverKey()).transport());
        CertificateCheck.requireUsable(certs.clientCert(), certs.clientKey(), Instant.now());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerSecurity.tls(certs.serverCert(), certs.otherServerKey()));
        assertEquals("the private key " + certs.otherServerKey() + " does not match the certificate " + certs.serverCert()
                + " (CN=localhost): it is the key of another certificate", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerSecurity.mutualTls(certs.serverCert(), certs.clientKey(), certs.ca()));
    }

    @Test
    void anExpiredCertificateIsRefusedWithItsDates() throws Exception {
        Path expired = TestCertificates.dated(dir, "expired", "20200101000000Z", "20200102000000Z");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerSecurity.tls(expired, dir.resolve("expired.key")));
        assertTrue(e.getMessage().startsWith("the certificate " + expired + " (CN=localhost) has expired: it was valid until"
                + " 2020-01-02T00:00:00Z (now: "), e.getMessage());
    }

    @Test
    void aCertificateNotYetValidIsRefusedWithItsDates() throws Exception {
        Path future = TestCertificates.dated(dir, "future", "20990101000000Z", "20991231000000Z");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerSecurity.tls(future, dir.resolve("future.key")));
        assertTrue(e.getMessage().startsWith("the certificate " + future + " (CN=localhost) is not yet valid: it is valid from"
                + " 2099-01-01T00:00:00Z (now: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CertificateCheck.requireCurrent(future, Instant.now()));
        assertEquals(1, CertificateCheck.requireCurrent(future, Instant.parse("2099-06-01T00:00:00Z")).size());
    }
}
