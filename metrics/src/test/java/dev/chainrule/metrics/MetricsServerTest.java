package dev.chainrule.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The endpoint over a real socket on 127.0.0.1, scraped with the JDK's HTTP client. */
class MetricsServerTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void servesTheRegistryWithJvmMetricsAndTheRunTag() throws Exception {
        PrometheusMeterRegistry registry = MeterRegistries.prometheus("test-run");
        new WorkerMetrics(registry).computed(7, 1_000_000);
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry)) {
            assertTrue(server.port() > 0);
            HttpResponse<String> response = get(server.port(), "/metrics");
            assertEquals(200, response.statusCode());
            assertEquals(MetricsServer.CONTENT_TYPE, response.headers().firstValue("Content-Type").orElse(""));
            String body = response.body();
            for (String name : new String[] {"jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
                "process_uptime_seconds", "system_cpu_count"}) {
                assertTrue(body.contains(name + "{"), name + " missing from:\n" + body);
            }
            assertTrue(body.contains("chainrule_worker_samples_total{run=\"test-run\"} 7.0"), body);
        }
    }

    @Test
    void answers404ElsewhereAnd405ForOtherMethods() throws Exception {
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, MeterRegistries.prometheus("r"))) {
            assertEquals(404, get(server.port(), "/").statusCode());
            assertEquals(404, get(server.port(), "/metrics/x").statusCode());
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build();
            assertEquals(405, CLIENT.send(post, HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void closeStopsListeningPromptly() throws Exception {
        MetricsServer server = MetricsServer.start("127.0.0.1", 0, MeterRegistries.prometheus("r"));
        int port = server.port();
        assertEquals(200, get(port, "/metrics").statusCode());
        long start = System.nanoTime();
        server.close();
        server.close();
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
        assertThrows(ConnectException.class, () -> get(port, "/metrics"));
    }

    @Test
    void scrapesAreServedWhileAClientHoldsAPartialRequest() throws Exception {
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, MeterRegistries.prometheus("r"));
                Socket slow = new Socket("127.0.0.1", server.port())) {
            slow.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
            slow.getOutputStream().flush();
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                assertEquals(200, get(server.port(), "/metrics").statusCode());
                assertTrue(System.nanoTime() - start < 3_000_000_000L, "a scrape waits for no slow client");
            }
        }
    }

    @Test
    void aClientThatDoesNotFinishItsRequestIsDisconnected() throws Exception {
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, MeterRegistries.prometheus("r"));
                Socket idle = new Socket("127.0.0.1", server.port())) {
            idle.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            idle.setSoTimeout(4 * MetricsServer.REQUEST_TIMEOUT_MILLIS);
            long start = System.nanoTime();
            assertEquals(-1, idle.getInputStream().read(), "closed without an answer");
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waited >= MetricsServer.REQUEST_TIMEOUT_MILLIS - 1000, "after the timeout, not before: " + waited + " ms");
        }
    }

    @Test
    void moreIdleConnectionsThanHandlersDelayAScrapeByAtMostTheTimeout() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, MeterRegistries.prometheus("r"))) {
            for (int i = 0; i < MetricsServer.HANDLERS + 2; i++) {
                idle.add(new Socket("127.0.0.1", server.port()));
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                    .timeout(Duration.ofMillis(3L * MetricsServer.REQUEST_TIMEOUT_MILLIS)).build();
            assertEquals(200, CLIENT.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void malformedAndOversizedRequestsAreAnswered400And431() throws Exception {
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, MeterRegistries.prometheus("r"))) {
            assertTrue(rawRequest(server.port(), "garbage\r\n\r\n").startsWith("HTTP/1.1 400 "));
            assertTrue(rawRequest(server.port(), "GET /metrics HTTP/1.1\r\nX: " + "a".repeat(10_000) + "\r\n\r\n")
                    .startsWith("HTTP/1.1 431 "));
            String head = rawRequest(server.port(), "HEAD /metrics HTTP/1.0\n\n");
            assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.endsWith("\r\n\r\n"), "headers only: " + head);
        }
    }

    private static String rawRequest(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aBlankRunIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MeterRegistries.prometheus(" "));
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
