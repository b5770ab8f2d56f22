package dev.chainrule.coordinator.security;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with the {@code openssl} command, so that no private key is ever
 * committed: a CA, a server certificate for {@code localhost} and {@code 127.0.0.1} issued by it, a
 * client certificate issued by it, and an unrelated CA with its own server certificate (what a
 * worker must not trust). All keys are EC P-256, unencrypted PKCS#8 PEM; certificates last 2 days.
 * Without {@code openssl} on the PATH the calling test fails, saying so.
 *
 * @param ca the CA's certificate (PEM): what workers trust and, for mutual TLS, what the coordinator
 *     checks client certificates against
 * @param serverCert the coordinator's certificate, issued by {@code ca}, for localhost and 127.0.0.1
 * @param serverKey its private key
 * @param clientCert a worker's client certificate, issued by {@code ca}
 * @param clientKey its private key
 * @param otherCa another CA, unrelated to {@code ca}
 * @param otherServerCert a certificate for localhost and 127.0.0.1 issued by {@code otherCa}
 * @param otherServerKey its private key
 */
public record TestCertificates(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey, Path otherCa,
        Path otherServerCert, Path otherServerKey) {
    private static final long OPENSSL_TIMEOUT_SECONDS = 60;

    /** Generates every certificate and key into {@code dir} (a test's temporary directory). */
    public static TestCertificates generate(Path dir) throws IOException, InterruptedException {
        Path ca = dir.resolve("ca.pem");
        Path caKey = dir.resolve("ca.key");
        selfSigned(dir, ca, caKey, "/CN=chainrule test CA");
        Path other = dir.resolve("other-ca.pem");
        Path otherKey = dir.resolve("other-ca.key");
        selfSigned(dir, other, otherKey, "/CN=unrelated test CA");
        String server = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n";
        String client = "extendedKeyUsage=clientAuth\nbasicConstraints=critical,CA:FALSE\n";
        return new TestCertificates(ca,
                issue(dir, "server", "/CN=localhost", server, ca, caKey), dir.resolve("server.key"),
                issue(dir, "client", "/CN=chainrule test worker", client, ca, caKey), dir.resolve("client.key"),
                other,
                issue(dir, "other-server", "/CN=localhost", server, other, otherKey), dir.resolve("other-server.key"));
    }

    /**
     * A self-signed certificate for localhost valid only from {@code start} to {@code end}
     * ({@code YYYYMMDDHHMMSSZ}, e.g. long past or far ahead), made with {@code openssl ca}, which
     * takes any dates; returns it, its key is {@code name}.key.
     */
    public static Path dated(Path dir, String name, String start, String end) throws IOException, InterruptedException {
        Path work = Files.createDirectories(dir.resolve(name + "-ca"));
        Files.writeString(work.resolve("index.txt"), "");
        Files.writeString(work.resolve("serial"), "01\n");
        Path config = Files.writeString(work.resolve("ca.cnf"), "[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\n"
                + "serial=serial\ndefault_md=sha256\npolicy=p\nunique_subject=no\n[p]\ncommonName=supplied\n");
        Path key = dir.resolve(name + ".key");
        Path request = work.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".pem");
        openssl(work, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(),
                "-out", request.toString(), "-subj", "/CN=localhost");
        openssl(work, "ca", "-batch", "-config", config.toString(), "-selfsign", "-keyfile", key.toString(), "-in", request.toString(),
                "-startdate", start, "-enddate", end, "-out", cert.toString());
        return cert;
    }

    private static void selfSigned(Path dir, Path cert, Path key, String subject) throws IOException, InterruptedException {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(),
                "-out", cert.toString(), "-days", "2", "-subj", subject,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    /** Issues {@code name}.pem (with the key {@code name}.key) from {@code ca}; returns the certificate's path. */
    private static Path issue(Path dir, String name, String subject, String extensions, Path ca, Path caKey)
            throws IOException, InterruptedException {
        Path key = dir.resolve(name + ".key");
        Path request = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".pem");
        Path ext = Files.writeString(dir.resolve(name + ".ext"), extensions, StandardCharsets.US_ASCII);
        openssl(dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(),
                "-out", request.toString(), "-subj", subject);
        openssl(dir, "x509", "-req", "-in", request.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-set_serial", String.valueOf(System.nanoTime() & Long.MAX_VALUE), "-days", "2", "-extfile", ext.toString(),
                "-out", cert.toString());
        return cert;
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            fail("the TLS tests generate their certificates with the openssl command, which could not be started ("
                    + e.getMessage() + "); install it, e.g. apt-get install openssl", e);
            throw e;
        }
        if (!process.waitFor(OPENSSL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " still runs after " + OPENSSL_TIMEOUT_SECONDS + " s");
        }
        if (process.exitValue() != 0) {
            fail(String.join(" ", command) + " exited " + process.exitValue() + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
    }
}
