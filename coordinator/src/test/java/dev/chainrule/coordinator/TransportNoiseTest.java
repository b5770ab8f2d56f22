package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.coordinator.security.TestCertificates;
import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.wire.TransportLogLines;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a peer that does not speak the protocol leaves in the coordinator's log, over real sockets,
 * with {@link TransportLogLines} installed as the command line installs it: no record with a stack
 * trace reaches the root logger's handlers (what the console prints); grpc-java's and Netty's records
 * become one line each (the interval is 0 here, so that every one is seen), and bytes that are not a
 * WorkerMessage leave none at all (the session refuses them).
 */
class TransportNoiseTest {
    private static final byte[] HTTP1 = "GET /metrics HTTP/1.1\r\nHost: coordinator\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GARBAGE = filled(64, 0xff);
    /** The HTTP/2 preface, then bytes that are not a frame. */
    private static final byte[] BAD_HTTP2 = concat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII), filled(40, 0xff));

    @TempDir
    static Path dir;

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final TransportLogLines quiet = new TransportLogLines(lines::add, Duration.ZERO, System::nanoTime);
    private RecordedLog atRoot;

    @BeforeEach
    void install() {
        quiet.install();
        atRoot = RecordedLog.atRoot();
    }

    @AfterEach
    void uninstall() {
        atRoot.close();
        quiet.uninstall();
    }

    @Test
    void notHttp2AtAPlaintextCoordinatorIsOneLineEach() throws Exception {
        try (CoordinatorServer server = server(ServerSecurity.plaintext())) {
            for (byte[] bytes : List.of(HTTP1, GARBAGE, BAD_HTTP2)) {
                int before = lines.size();
                sendAndAwaitClose(server.port(), bytes);
                awaitLines(before + 1);
            }
        }
        assertTrue(lines.get(0).startsWith("grpc: NettyServerTransport.connections: Transport failed: Http2Exception: Unexpected HTTP/1.x"
                + " request: GET /metrics"), lines.get(0));
        assertTrue(lines.get(1).contains("HTTP/2 client preface string missing or corrupt"), lines.get(1));
        assertTrue(lines.get(2).contains("Transport failed: Http2Exception: First received frame was not SETTINGS"), lines.get(2));
        assertNoTraceReachedTheConsole();
    }

    @Test
    void notTlsAtATlsCoordinatorLeavesNoTrace() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir);
        try (CoordinatorServer server = server(ServerSecurity.tls(certs.serverCert(), certs.serverKey()))) {
            for (byte[] bytes : List.of(HTTP1, GARBAGE, BAD_HTTP2)) {
                sendAndAwaitClose(server.port(), bytes);
            }
        }
        assertNoTraceReachedTheConsole();
    }

    @Test
    void aMessageBeyondTheTransportLimitIsOneLineFirstOrAfterTheWelcome() throws Exception {
        try (CoordinatorServer server = server(ServerSecurity.plaintext())) {
            ManagedChannel channel = TestRuns.channel(server.port());
            try {
                int limit = CoordinatorService.transportMessageLimit(CoordinatorSettings.defaults(1).maxInboundMessageSize());
                WorkerMessage big = WorkerMessage.newBuilder().setGradient(GradientChunk.newBuilder().setTensor(TensorChunk.newBuilder()
                        .setName("fc1.weight").setData(ByteString.copyFrom(new byte[limit])))).build();

                FakeWorker first = new FakeWorker(channel);
                first.send(big);
                Status refused = first.awaitError();
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode(), refused.toString());
                assertEquals("gRPC message exceeds maximum size " + limit + ": " + big.getSerializedSize(), refused.getDescription());
                awaitLines(1);

                FakeWorker joined = FakeWorker.joined(channel, "big", TRAIN);
                assertTrue(joined.take().hasWelcome());
                joined.send(big);
                Status reset = joined.awaitError();
                assertEquals(Status.Code.CANCELLED, reset.getCode(), reset.toString());
                assertEquals("RST_STREAM closed stream. HTTP/2 error code: CANCEL", reset.getDescription());
                awaitLines(2);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        for (String line : lines) {
            assertEquals("grpc: NettyServerStream: Exception processing message: StatusRuntimeException: RESOURCE_EXHAUSTED: gRPC message"
                    + " exceeds maximum size " + CoordinatorService.transportMessageLimit(CoordinatorSettings.defaults(1).maxInboundMessageSize())
                    + ": " + (line.substring(line.lastIndexOf(' ') + 1)), line);
        }
        assertNoTraceReachedTheConsole();
    }

    @Test
    void bytesThatAreNotAWorkerMessageAreRefusedWithoutATrace() throws Exception {
        try (CoordinatorServer server = server(ServerSecurity.plaintext())) {
            ManagedChannel channel = TestRuns.channel(server.port());
            try {
                FakeWorker garbage = new FakeWorker(channel);
                garbage.sendBytes(filled(16, 0xff));
                Status status = garbage.awaitError();
                assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), status.toString());
                assertEquals("not a WorkerMessage: CodedInputStream encountered a malformed varint. (a message of 16 bytes)",
                        status.getDescription());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        assertEquals(List.of(), lines);
        assertNoTraceReachedTheConsole();
    }

    private void assertNoTraceReachedTheConsole() {
        List<String> traced = new ArrayList<>();
        for (LogRecord r : atRoot.records()) {
            if (r.getThrown() != null) {
                traced.add(r.getLoggerName() + ": " + r.getMessage() + ": " + r.getThrown());
            }
        }
        assertEquals(List.of(), traced, "records with a stack trace reached the console");
        for (String line : lines) {
            assertFalse(line.contains("\n"), line);
        }
    }

    private void awaitLines(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (lines.size() < count) {
            assertTrue(System.nanoTime() < deadline, () -> "waited 20 s for " + count + " log lines: " + lines + ", at the root: " + atRoot.records());
            Thread.sleep(5);
        }
    }

    /** Connects, sends {@code bytes} and reads until the coordinator closes the connection. */
    private static void sendAndAwaitClose(int port, byte[] bytes) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = socket.getInputStream();
            try {
                in.readAllBytes();
            } catch (IOException e) {
                // a reset ends the connection as well as a close
            }
        }
    }

    /** The coordinator's training set, which a worker's Join must match. */
    private static final Dataset TRAIN = TrainingTestData.blobs("train", 100, 3, 8, 1.0, 1);

    private static CoordinatorServer server(ServerSecurity security) throws IOException {
        DataSplit data = new DataSplit(TRAIN, TrainingTestData.blobs("test", 30, 3, 8, 1.0, 2));
        CoordinatorSettings settings = CoordinatorSettings.defaults(1).withWorkerWait(Duration.ofSeconds(20));
        return new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0, security), Mlp.initialized(ModelSpec.of(8, 16, 3),
                Activation.RELU, 5), data.train(), new TrainingConfig(10, 1, 5, true, 11, 1), settings).start();
    }

    private static byte[] filled(int n, int value) {
        byte[] bytes = new byte[n];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
