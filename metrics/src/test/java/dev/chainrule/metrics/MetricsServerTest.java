package dev.chainrule.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
    void aBlankRunIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MeterRegistries.prometheus(" "));
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
