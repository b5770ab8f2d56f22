package dev.chainrule.cli;

import static dev.chainrule.cli.TrainCommandTest.assertInputError;
import static dev.chainrule.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.cli.TrainCommandTest.Run;
import dev.chainrule.coordinator.security.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security options of {@code coordinator}, {@code worker} and {@code train --workers}: TLS,
 * mutual TLS and the token between real processes on loopback (certificates made at test time by
 * {@link TestCertificates}), the warning for an unprotected coordinator on a non-loopback address,
 * and the input errors of options that do not go together. No message may show the token.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SecurityCommandTest {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(90);
    private static final String SECRET = "cluster-secret-7f3a9c";
    private static final Pattern LISTENING = Pattern.compile(
            "coordinator listening on 127\\.0\\.0\\.1:(\\d+) \\((.+)\\); waiting up to 120s for (\\d) workers?");

    @TempDir
    static Path dir;
    static TestCertificates certs;
    static Path train;
    static Path test;
    static Path token;

    @BeforeAll
    static void files() throws Exception {
        certs = TestCertificates.generate(dir);
        train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 300, 4, 3, 1);
        test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 100, 4, 3, 2);
        token = Files.writeString(dir.resolve("token"), SECRET + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void coordinatorOnEveryInterfaceWithoutTlsOrTokenPrintsAFramedWarning() {
        Run run = run(coordinator("0.0.0.0", "1", "--worker-wait", "200ms"));
        assertEquals(1, run.exitCode(), run.out() + run.err());
        List<String> err = run.err().lines().toList();
        assertEquals("*".repeat(78), err.get(0), run.err());
        assertTrue(err.get(1).matches("WARNING: the coordinator listens on 0\\.0\\.0\\.0:\\d+, which is not a loopback address, without"
                + " TLS and without a token: anyone who can reach this port can join the run, .*"), err.get(1));
        assertEquals("*".repeat(78), err.get(2), run.err());
        assertTrue(err.get(3).startsWith("error: the run failed: waited 200 ms for 1 worker"), run.err());
    }

    @Test
    void coordinatorOnLoopbackOrWithATokenOrTlsPrintsNoWarning() {
        List<String[]> quiet = List.of(
                coordinator("127.0.0.1", "1", "--worker-wait", "200ms"),
                coordinator("0.0.0.0", "1", "--worker-wait", "200ms", "--token-file", token.toString()),
                coordinator("0.0.0.0", "1", "--worker-wait", "200ms", "--tls-cert", certs.serverCert().toString(),
                        "--tls-key", certs.serverKey().toString()));
        for (String[] args : quiet) {
            Run run = run(args);
            assertEquals(1, run.exitCode(), run.out() + run.err());
            assertFalse(run.err().contains("WARNING"), String.join(" ", args) + "\n" + run.err());
            assertTrue(run.err().startsWith("error: the run failed: waited 200 ms for 1 worker"), run.err());
        }
    }

    @Test
    void mutualTlsAndTokenRunFinishesAndSaysSo() throws Exception {
        try (ChainruleProcess coordinator = ChainruleProcess.start(coordinator("127.0.0.1", "2", "--worker-wait", "120s",
                "--tls-cert", certs.serverCert().toString(), "--tls-key", certs.serverKey().toString(),
                "--tls-client-ca", certs.ca().toString(), "--token-file", token.toString()))) {
            Matcher listening = coordinator.awaitOut(LISTENING, EXIT_WAIT);
            assertEquals("mutual TLS, bearer token", listening.group(2));
            String address = "localhost:" + listening.group(1);
            List<String> tls = List.of("--tls-ca", certs.ca().toString(), "--tls-client-cert", certs.clientCert().toString(),
                    "--tls-client-key", certs.clientKey().toString(), "--token-file", token.toString());
            try (ChainruleProcess first = worker(address, "first", tls); ChainruleProcess second = worker(address, "second", tls)) {
                assertEquals(0, coordinator.awaitExit(EXIT_WAIT), coordinator.transcript());
                assertEquals(0, first.awaitExit(EXIT_WAIT), first.transcript());
                assertEquals(0, second.awaitExit(EXIT_WAIT), second.transcript());
                assertTrue(first.out().startsWith("first: finished after 20 steps, "), first.transcript());
                assertTrue(second.out().startsWith("second: finished after 20 steps, "), second.transcript());
            }
            assertEquals("", coordinator.err());
        }
    }

    @Test
    void workersWithoutTheClientCertificateTheCaOrTheTokenExit1SayingWhy() throws Exception {
        try (ChainruleProcess coordinator = ChainruleProcess.start(coordinator("127.0.0.1", "1", "--worker-wait", "120s",
                "--tls-cert", certs.serverCert().toString(), "--tls-key", certs.serverKey().toString(),
                "--tls-client-ca", certs.ca().toString(), "--token-file", token.toString()))) {
            String address = "127.0.0.1:" + coordinator.awaitOut(LISTENING, EXIT_WAIT).group(1);
            Path wrongToken = Files.writeString(dir.resolve("wrong-token"), "not-the-" + SECRET);
            Files.setPosixFilePermissions(wrongToken, PosixFilePermissions.fromString("rw-------"));
            List<String> client = List.of("--tls-client-cert", certs.clientCert().toString(), "--tls-client-key",
                    certs.clientKey().toString());
            try (ChainruleProcess noClientCert = worker(address, "no-cert", List.of("--tls-ca", certs.ca().toString(),
                    "--token-file", token.toString(), "--connect-timeout", "15s"));
                    ChainruleProcess otherCa = worker(address, "other-ca", concat(List.of("--tls-ca", certs.otherCa().toString(),
                            "--token-file", token.toString(), "--connect-timeout", "15s"), client));
                    ChainruleProcess plaintext = worker(address, "plaintext", List.of("--token-file", token.toString(),
                            "--connect-timeout", "15s"));
                    ChainruleProcess noToken = worker(address, "no-token", concat(List.of("--tls-ca", certs.ca().toString()), client));
                    ChainruleProcess badToken = worker(address, "bad-token", concat(List.of("--tls-ca", certs.ca().toString(),
                            "--token-file", wrongToken.toString()), client))) {
                assertFailsSaying(noClientCert, "CERTIFICATE_REQUIRED", "the coordinator requires a client certificate and this worker"
                        + " has none");
                assertFailsSaying(otherCa, "unable to find valid certification path", "the coordinator's certificate is not issued by"
                        + " a CA this worker trusts");
                assertFailsSaying(plaintext, "UNAVAILABLE", "this worker does not use TLS: does the coordinator?");
                assertFailsSaying(noToken, "UNAUTHENTICATED: no authorization metadata");
                assertFailsSaying(badToken, "UNAUTHENTICATED: the bearer token does not match");
            }
            coordinator.close();
            String log = coordinator.err();
            assertTrue(log.contains("rejected a call to chainrule.v1.Coordinator/Session from /127.0.0.1:"), coordinator.transcript());
            assertFalse(log.contains(SECRET), "the coordinator's log shows the token:\n" + log);
        }
    }

    @Test
    void trainOnWorkerProcessesPassesTheTokenFileToThem() {
        Run run = run("train", "--train", train.toString(), "--test", test.toString(), "--model", "4-8-3", "--batch", "32",
                "--epochs", "1", "--workers", "2", "--worker-wait", "120s", "--token-file", token.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        for (String worker : List.of("worker-1", "worker-2")) {
            assertTrue(run.err().contains("[" + worker + "] " + worker + ": finished after 10 steps, "), run.err());
        }
        assertFalse(run.out().contains(SECRET) || run.err().contains(SECRET));
    }

    @Test
    void optionsThatDoNotGoTogetherOrUnusableFilesExit2() throws IOException {
        String cert = certs.serverCert().toString();
        String key = certs.serverKey().toString();
        assertInputError(coordinator("127.0.0.1", "1", "--tls-cert", cert), "--tls-cert needs --tls-key");
        assertInputError(coordinator("127.0.0.1", "1", "--tls-key", key), "--tls-key needs --tls-cert");
        assertInputError(coordinator("127.0.0.1", "1", "--tls-client-ca", certs.ca().toString()),
                "--tls-client-ca (mutual TLS) needs --tls-cert and --tls-key");
        assertInputError(coordinator("127.0.0.1", "1", "--tls-cert", dir.resolve("missing.pem").toString(), "--tls-key", key),
                "--tls-cert/--tls-key: ", "missing.pem is not a readable file");
        assertInputError(coordinator("127.0.0.1", "1", "--tls-cert", cert, "--tls-key", cert),
                "--tls-cert/--tls-key: cannot use the TLS certificate chain " + cert);
        assertInputError(workerArgs("127.0.0.1:1", "w", List.of("--tls-client-cert", certs.clientCert().toString(),
                "--tls-client-key", certs.clientKey().toString())), "--tls-client-cert (mutual TLS) needs --tls-ca");
        assertInputError(workerArgs("127.0.0.1:1", "w", List.of("--tls-ca", certs.ca().toString(), "--tls-client-key",
                certs.clientKey().toString())), "--tls-client-key needs --tls-client-cert");
        assertInputError(workerArgs("127.0.0.1:1", "w", List.of("--tls-ca", certs.serverKey().toString())),
                "--tls-ca: cannot use the TLS CA " + certs.serverKey());
        Path spaced = Files.writeString(dir.resolve("spaced-token"), "two words");
        String err = assertInputError(workerArgs("127.0.0.1:1", "w", List.of("--token-file", spaced.toString())),
                "--token-file " + spaced + ": the token has character U+0020 at position 4");
        assertFalse(err.contains("two") || err.contains("words"), err);
        Path empty = Files.writeString(dir.resolve("empty-token"), "\n");
        assertInputError(coordinator("127.0.0.1", "1", "--token-file", empty.toString()), "--token-file " + empty + ": the token is empty");
        assertInputError(coordinator("127.0.0.1", "1", "--token-file", dir.resolve("nope").toString()), "--token-file ", "cannot read it");
        assertInputError(new String[] {"train", "--train", train.toString(), "--test", test.toString(), "--token-file", token.toString()},
                "--token-file protects the local cluster of --workers N");
    }

    @Test
    void aTlsKeyThatIsNotTheCertificatesOrACertificateOutsideItsDatesIsRefusedAtStartUp() throws Exception {
        assertInputError(coordinator("127.0.0.1", "1", "--tls-cert", certs.serverCert().toString(), "--tls-key",
                certs.otherServerKey().toString()), "--tls-cert/--tls-key: the private key " + certs.otherServerKey()
                + " does not match the certificate " + certs.serverCert());
        Path expired = TestCertificates.dated(dir, "cli-expired", "20200101000000Z", "20200102000000Z");
        assertInputError(coordinator("127.0.0.1", "1", "--tls-cert", expired.toString(), "--tls-key",
                dir.resolve("cli-expired.key").toString()), "the certificate " + expired + " (CN=localhost) has expired");
        Path future = TestCertificates.dated(dir, "cli-future", "20990101000000Z", "20991231000000Z");
        assertInputError(workerArgs("127.0.0.1:1", "w", List.of("--tls-ca", certs.ca().toString(), "--tls-client-cert",
                future.toString(), "--tls-client-key", dir.resolve("cli-future.key").toString())),
                "the certificate " + future + " (CN=localhost) is not yet valid");
        assertInputError(workerArgs("127.0.0.1:1", "w", List.of("--tls-ca", certs.ca().toString(), "--tls-client-cert",
                certs.clientCert().toString(), "--tls-client-key", certs.serverKey().toString())),
                "the private key " + certs.serverKey() + " does not match the certificate " + certs.clientCert());
    }

    @Test
    void aTokenFileOthersMayReadIsNamedInAWarningThatNeverShowsTheToken() throws IOException {
        Path readable = Files.writeString(dir.resolve("readable-token"), SECRET);
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));
        Run run = run(coordinator("127.0.0.1", "1", "--worker-wait", "200ms", "--token-file", readable.toString()));
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().startsWith("warning: --token-file " + readable + " can be read by every user (rw-r--r--):"), run.err());
        assertFalse(run.err().contains(SECRET), run.err());
        Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r-----"));
        assertTrue(run(coordinator("127.0.0.1", "1", "--worker-wait", "200ms", "--token-file", readable.toString())).err()
                .startsWith("warning: --token-file " + readable + " can be read by its group (rw-r-----)"));
        Run quiet = run(coordinator("127.0.0.1", "1", "--worker-wait", "200ms", "--token-file", token.toString()));
        assertFalse(quiet.err().contains("warning"), quiet.err());
    }

    @Test
    void aTokenLongerThan4096CharactersIsRefusedAtStartUp() throws IOException {
        Path longToken = Files.writeString(dir.resolve("long-token"), "x".repeat(5000));
        String err = assertInputError(coordinator("127.0.0.1", "1", "--token-file", longToken.toString()),
                "--token-file " + longToken + ": the token has 5000 characters (expected: at most 4096)");
        assertFalse(err.contains("xxxxxxxx"), err);
        Path huge = Files.writeString(dir.resolve("huge-token"), "y".repeat(100_000));
        assertInputError(workerArgs("127.0.0.1:1", "w", List.of("--token-file", huge.toString())),
                "--token-file " + huge + ": more than 8192 bytes (expected: a token of at most 4096 characters)");
        Path allowed = Files.writeString(dir.resolve("longest-token"), "z".repeat(4096) + "\n");
        Files.setPosixFilePermissions(allowed, PosixFilePermissions.fromString("rw-------"));
        Run run = run(coordinator("127.0.0.1", "1", "--worker-wait", "200ms", "--token-file", allowed.toString()));
        assertTrue(run.err().startsWith("error: the run failed: waited 200 ms for 1 worker"), run.err());
    }

    @Test
    void helpListsTheSecurityOptions() {
        Run coordinator = run("coordinator", "--help");
        for (String expected : List.of("--tls-cert", "--tls-key", "--tls-client-ca", "--token-file", "warning")) {
            assertTrue(coordinator.out().contains(expected), () -> "coordinator --help lacks '" + expected + "':\n" + coordinator.out());
        }
        Run worker = run("worker", "--help");
        for (String expected : List.of("--tls-ca", "--tls-client-cert", "--tls-client-key", "--token-file")) {
            assertTrue(worker.out().contains(expected), () -> "worker --help lacks '" + expected + "':\n" + worker.out());
        }
        assertTrue(run("train", "--help").out().contains("--token-file"));
    }

    private static void assertFailsSaying(ChainruleProcess worker, String... fragments) throws InterruptedException {
        assertEquals(1, worker.awaitExit(EXIT_WAIT), worker.transcript());
        String err = worker.err();
        assertTrue(err.startsWith("error: the run failed: "), worker.transcript());
        for (String fragment : fragments) {
            assertTrue(err.contains(fragment), () -> "lacks '" + fragment + "': " + worker.transcript());
        }
        assertFalse(err.contains(SECRET), err);
    }

    /** {@code coordinator} on {@code bind}, port 0, for {@code workers} workers, with the data, model and run options, then {@code more}. */
    private static String[] coordinator(String bind, String workers, String... more) {
        List<String> args = new ArrayList<>(List.of("coordinator", "--bind", bind, "--port", "0", "--workers", workers,
                "--train", train.toString(), "--test", test.toString(), "--model", "4-8-3", "--batch", "32", "--epochs", "2",
                "--step-timeout", "30s"));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    private static String[] workerArgs(String coordinator, String name, List<String> more) {
        List<String> args = new ArrayList<>(List.of("worker", "--coordinator", coordinator, "--name", name, "--reconnect-timeout", "1s",
                "--train", train.toString(), "--test", test.toString()));
        if (!more.contains("--connect-timeout")) {
            args.addAll(List.of("--connect-timeout", "120s"));
        }
        args.addAll(more);
        return args.toArray(new String[0]);
    }

    private static ChainruleProcess worker(String coordinator, String name, List<String> more) throws IOException {
        return ChainruleProcess.start(workerArgs(coordinator, name, more));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
