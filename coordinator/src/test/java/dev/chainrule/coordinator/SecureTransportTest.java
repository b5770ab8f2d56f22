package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.coordinator.security.BearerTokenInterceptor;
import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.coordinator.security.TestCertificates;
import dev.chainrule.data.DataSplit;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.worker.ChannelSecurity;
import dev.chainrule.worker.Worker;
import dev.chainrule.worker.WorkerException;
import dev.chainrule.worker.WorkerResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS, mutual TLS and the bearer token over real sockets on loopback, with certificates made at test
 * time by {@link TestCertificates}: secured runs give the bits of the local trainer; a worker that
 * does not trust the coordinator's CA, has no client certificate for mutual TLS, or lacks the token
 * never joins, and says why; a rejected token is UNAUTHENTICATED and is never logged.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SecureTransportTest {
    private static final ModelSpec SPEC = ModelSpec.of(8, 16, 3);
    private static final String SECRET = "s3cret-0123456789abcdef";
    private static final Duration CONNECT = Duration.ofSeconds(2);
    /** Held so that the handler added in a test stays on the same logger object. */
    private static final Logger TOKEN_LOG = Logger.getLogger(BearerTokenInterceptor.class.getName());

    @TempDir
    static Path dir;
    static TestCertificates certs;

    @BeforeAll
    static void certificates() throws Exception {
        certs = TestCertificates.generate(dir);
    }

    private static DataSplit data() {
        return new DataSplit(TrainingTestData.blobs("train", 100, 3, 8, 1.0, 1), TrainingTestData.blobs("test", 30, 3, 8, 1.0, 2));
    }

    @Test
    void tlsRunGivesTheBitsOfTheLocalTrainer() throws Exception {
        ChannelSecurity worker = ChannelSecurity.tls(certs.ca());
        assertSecuredRunMatchesLocal(ServerSecurity.tls(certs.serverCert(), certs.serverKey()), worker, worker);
    }

    @Test
    void mutualTlsWithTokenRunGivesTheBitsOfTheLocalTrainer() throws Exception {
        ChannelSecurity worker = ChannelSecurity.mutualTls(certs.ca(), certs.clientCert(), certs.clientKey()).withToken(SECRET);
        assertSecuredRunMatchesLocal(ServerSecurity.mutualTls(certs.serverCert(), certs.serverKey(), certs.ca()).withToken(SECRET),
                worker, worker);
    }

    @Test
    void tokenOverPlaintextRunGivesTheBitsOfTheLocalTrainer() throws Exception {
        ChannelSecurity worker = ChannelSecurity.plaintext().withToken(SECRET);
        assertSecuredRunMatchesLocal(ServerSecurity.plaintext().withToken(SECRET), worker, worker);
    }

    @Test
    void plaintextWorkerCannotJoinATlsCoordinator() throws Exception {
        String why = assertNeverJoins(ServerSecurity.tls(certs.serverCert(), certs.serverKey()), ChannelSecurity.plaintext());
        assertTrue(why.startsWith("UNAVAILABLE: ") && why.contains("does the coordinator?"), why);
    }

    @Test
    void workerThatTrustsAnotherCaCannotJoinATlsCoordinator() throws Exception {
        String why = assertNeverJoins(ServerSecurity.tls(certs.serverCert(), certs.serverKey()), ChannelSecurity.tls(certs.otherCa()));
        assertTrue(why.startsWith("UNAVAILABLE: ") && why.contains("certification path")
                && why.endsWith("the coordinator's certificate is not issued by a CA this worker trusts"), why);
    }

    @Test
    void workerRejectsACoordinatorWhoseCertificateComesFromAnotherCa() throws Exception {
        String why = assertNeverJoins(ServerSecurity.tls(certs.otherServerCert(), certs.otherServerKey()), ChannelSecurity.tls(certs.ca()));
        assertTrue(why.startsWith("UNAVAILABLE: ") && why.contains("certification path"), why);
    }

    @Test
    void mutualTlsRejectsAWorkerWithoutAClientCertificate() throws Exception {
        String why = assertNeverJoins(ServerSecurity.mutualTls(certs.serverCert(), certs.serverKey(), certs.ca()),
                ChannelSecurity.tls(certs.ca()));
        assertTrue(why.startsWith("UNAVAILABLE: ") && why.toUpperCase().contains("CERTIFICATE_REQUIRED")
                && why.endsWith("the coordinator requires a client certificate and this worker has none"), why);
    }

    @Test
    void mutualTlsRejectsAClientCertificateFromAnotherCa() throws Exception {
        String why = assertNeverJoins(ServerSecurity.mutualTls(certs.serverCert(), certs.serverKey(), certs.ca()),
                ChannelSecurity.mutualTls(certs.ca(), certs.otherServerCert(), certs.otherServerKey()));
        assertTrue(why.startsWith("UNAVAILABLE: "), why);
    }

    @ParameterizedTest(name = "token {0}")
    @ValueSource(strings = {"missing", "wrong", "prefix"})
    void callsWithoutTheRightTokenAreUnauthenticatedAndTheLogNeverShowsATokenValue(String presented) throws Exception {
        List<LogRecord> log = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public synchronized void publish(LogRecord record) {
                log.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        TOKEN_LOG.addHandler(capture);
        DataSplit data = data();
        TrainingConfig config = new TrainingConfig(10, 1, 5, true, 11, 1);
        try (CoordinatorServer server = server(ServerSecurity.tls(certs.serverCert(), certs.serverKey()).withToken(SECRET),
                Mlp.initialized(SPEC, Activation.RELU, 5), data, config, Duration.ofMillis(500))) {
            ChannelSecurity client = switch (presented) {
                case "missing" -> ChannelSecurity.tls(certs.ca());
                case "wrong" -> ChannelSecurity.tls(certs.ca()).withToken("not-" + SECRET);
                default -> ChannelSecurity.tls(certs.ca()).withToken(SECRET.substring(0, 6)); // a prefix of the secret
            };
            ManagedChannel channel = client.newChannel("localhost:" + server.port());
            try {
                // the raw call: its status is UNAUTHENTICATED
                CompletableFuture<Status> closed = new CompletableFuture<>();
                CoordinatorGrpc.newStub(channel).session(new StreamObserver<CoordinatorMessage>() {
                    @Override
                    public void onNext(CoordinatorMessage value) {
                        closed.complete(Status.INTERNAL.withDescription("got a message: " + value));
                    }

                    @Override
                    public void onError(Throwable t) {
                        closed.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        closed.complete(Status.OK);
                    }
                }).onCompleted();
                Status status = closed.get(10, TimeUnit.SECONDS);
                assertEquals(Status.Code.UNAUTHENTICATED, status.getCode(), status.toString());
                // a real worker: its error carries the status
                WorkerException e = assertThrows(WorkerException.class, () -> new Worker(channel, data.train(), "intruder", CONNECT).run());
                assertTrue(e.getMessage().contains("UNAUTHENTICATED: " + status.getDescription()), e.getMessage());
                if (e.getCause() != null) {
                    assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable(e.getCause()).getCode());
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            TOKEN_LOG.removeHandler(capture);
        }
        List<String> lines;
        synchronized (capture) {
            SimpleFormatter formatter = new SimpleFormatter();
            lines = log.stream().map(formatter::format).toList();
        }
        assertEquals(2, lines.size(), "one warning per rejected call: " + lines);
        for (String line : lines) {
            assertTrue(line.contains("rejected a call to chainrule.v1.Coordinator/Session from /127.0.0.1:"), line);
            assertTrue(line.contains(presented.equals("missing") ? "no authorization metadata" : "the bearer token does not match"), line);
            assertFalse(line.contains(SECRET) || line.contains(SECRET.substring(0, 6)), "the log shows a token: " + line);
        }
    }

    @Test
    void aTokenThatCannotTravelAsAHeaderIsRefusedWithoutShowingIt() {
        IllegalArgumentException server = assertThrows(IllegalArgumentException.class,
                () -> ServerSecurity.plaintext().withToken("secret with space"));
        assertEquals("the token has character U+0020 at position 7 (expected: printable ASCII without spaces, '!' to '~')",
                server.getMessage());
        IllegalArgumentException worker = assertThrows(IllegalArgumentException.class, () -> ChannelSecurity.plaintext().withToken(""));
        assertTrue(worker.getMessage().startsWith("the token is empty"), worker.getMessage());
        assertFalse(ServerSecurity.plaintext().withToken(SECRET).toString().contains(SECRET));
        assertFalse(ChannelSecurity.plaintext().withToken(SECRET).toString().contains(SECRET));
    }

    @Test
    void unusableTlsFilesAreRefusedNamingThem() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ServerSecurity.tls(dir.resolve("nope.pem"), certs.serverKey()));
        assertTrue(missing.getMessage().contains("nope.pem") && missing.getMessage().contains("not a readable file"), missing.getMessage());
        // a certificate where the key should be
        IllegalArgumentException notAKey = assertThrows(IllegalArgumentException.class,
                () -> ServerSecurity.tls(certs.serverCert(), certs.serverCert()));
        assertTrue(notAKey.getMessage().startsWith("cannot use the TLS certificate chain " + certs.serverCert() + ", private key "
                + certs.serverCert() + ": "),
                notAKey.getMessage());
        IllegalArgumentException notACa = assertThrows(IllegalArgumentException.class,
                () -> ChannelSecurity.tls(certs.serverKey()));
        assertTrue(notACa.getMessage().startsWith("cannot use the TLS CA " + certs.serverKey() + ": "), notACa.getMessage());
    }

    @Test
    void onlyAnUnprotectedServerOnANonLoopbackAddressIsWarnedAbout() {
        ServerSecurity plaintext = ServerSecurity.plaintext();
        String warning = plaintext.exposureWarning("0.0.0.0", 7070).orElseThrow();
        assertTrue(warning.startsWith("WARNING: the coordinator listens on 0.0.0.0:7070, which is not a loopback address, without TLS"
                + " and without a token"), warning);
        assertTrue(plaintext.exposureWarning("::", 7070).isPresent());
        for (String loopback : List.of("127.0.0.1", "localhost", "::1", "127.0.0.2")) {
            assertTrue(plaintext.exposureWarning(loopback, 7070).isEmpty(), loopback);
        }
        assertTrue(plaintext.withToken(SECRET).exposureWarning("0.0.0.0", 7070).isEmpty());
        assertTrue(ServerSecurity.tls(certs.serverCert(), certs.serverKey()).exposureWarning("0.0.0.0", 7070).isEmpty());
        assertEquals("mutual TLS, bearer token",
                ServerSecurity.mutualTls(certs.serverCert(), certs.serverKey(), certs.ca()).withToken(SECRET).toString());
    }

    /**
     * Trains with two workers over {@code server} security (one dialling localhost, the other
     * 127.0.0.1: both names are in the certificate) and checks the weights against the local trainer.
     */
    private static void assertSecuredRunMatchesLocal(ServerSecurity server, ChannelSecurity first, ChannelSecurity second) throws Exception {
        TrainingConfig config = new TrainingConfig(10, 1, 15, true, 11, 2);
        Mlp local = Mlp.initialized(SPEC, Activation.RELU, 5);
        TestRuns.trainLocally(local, data(), config, "adam");

        DataSplit data = data();
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 5);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CoordinatorServer coordinator = server(server, model, data, config, Duration.ofSeconds(20));
        try {
            List<Future<WorkerResult>> results = new ArrayList<>();
            results.add(threads.submit(() -> runWorker(first, "localhost:" + coordinator.port(), data(), "worker-0")));
            results.add(threads.submit(() -> runWorker(second, "127.0.0.1:" + coordinator.port(), data(), "worker-1")));
            TestRuns.train(model, data, config, "adam", coordinator.executor());
            coordinator.close();
            for (Future<WorkerResult> result : results) {
                WorkerResult r = result.get(30, TimeUnit.SECONDS);
                assertTrue(r.finished(), r.reason());
                assertEquals(15, r.stats().shards());
            }
        } finally {
            coordinator.close();
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        }
        List<int[]> expected = TestRuns.bits(local);
        List<int[]> actual = TestRuns.bits(model);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "parameter " + i);
        }
    }

    /**
     * A worker with {@code client} security against a coordinator with {@code server} security: the
     * worker's wait for the coordinator expires, the coordinator's first step fails with nobody
     * joined, and the channel's connection failure is returned.
     */
    private static String assertNeverJoins(ServerSecurity server, ChannelSecurity client) throws Exception {
        DataSplit data = data();
        TrainingConfig config = new TrainingConfig(10, 1, 5, true, 11, 1);
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 5);
        try (CoordinatorServer coordinator = server(server, model, data, config, Duration.ofMillis(500))) {
            ManagedChannel channel = client.newChannel("localhost:" + coordinator.port());
            try {
                WorkerException e = assertThrows(WorkerException.class, () -> new Worker(channel, data.train(), "outsider", CONNECT).run());
                assertEquals("the coordinator did not take Join within 2 s", e.getMessage());
                DistributedTrainingException noOne = assertThrows(DistributedTrainingException.class,
                        () -> TestRuns.train(model, data, config, "adam", coordinator.executor()));
                assertTrue(noOne.getMessage().endsWith("; 0 joined"), noOne.getMessage());
                return client.connectionFailure(channel, Duration.ofSeconds(5)).orElseThrow();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** A coordinator for {@code model} (the one the test's trainer updates) on a free loopback port. */
    private static CoordinatorServer server(ServerSecurity security, Mlp model, DataSplit data, TrainingConfig config, Duration workerWait)
            throws Exception {
        CoordinatorSettings settings = CoordinatorSettings.defaults(config.shards()).withWorkerWait(workerWait)
                .withStepTimeout(Duration.ofSeconds(30)).withReceiveTimeout(Duration.ofSeconds(60));
        return new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0, security), model, data.train(), config, settings).start();
    }

    private static WorkerResult runWorker(ChannelSecurity security, String target, DataSplit data, String name) throws Exception {
        ManagedChannel channel = security.newChannel(target);
        try {
            return new Worker(channel, data.train(), name, Duration.ofSeconds(20)).run();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
