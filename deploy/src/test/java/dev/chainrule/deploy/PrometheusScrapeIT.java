package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A real Prometheus (Debian's {@code prometheus}) on 127.0.0.1 scraping a coordinator that trains on
 * loopback, queried over its HTTP API. Its configuration is deploy/prometheus/prometheus.yml with the
 * coordinator job's target pointed at the local coordinator, the other jobs dropped and a 1 s scrape
 * interval. Fails, never skips, when Prometheus is not installed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PrometheusScrapeIT {
    private static final Path SHIPPED_CONFIG = Repository.deploy().resolve("prometheus/prometheus.yml");
    private static final Duration QUERY_WAIT = Duration.ofSeconds(60);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static Path prometheus;

    @TempDir
    Path dir;

    @BeforeAll
    static void findPrometheus() {
        prometheus = installed("prometheus");
    }

    @Test
    void promtoolAcceptsTheShippedConfiguration() throws Exception {
        Process check = new ProcessBuilder(installed("promtool").toString(), "check", "config", SHIPPED_CONFIG.toString())
                .redirectErrorStream(true).start();
        assertTrue(check.waitFor(30, TimeUnit.SECONDS), "promtool check config still runs after 30 s");
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, check.exitValue(), "promtool check config " + SHIPPED_CONFIG + ":\n" + output);
    }

    @Test
    void prometheusScrapesTheCoordinatorsStepsAndStepTimes() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 1)) {
            int port = LocalCluster.freePort();
            Path config = Files.writeString(dir.resolve("prometheus.yml"), config("127.0.0.1:" + cluster.coordinatorMetricsPort()));
            Process server = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                URI api = URI.create("http://127.0.0.1:" + port);
                Await.until("Prometheus ready at " + api, Duration.ofSeconds(30), Duration.ofMillis(250),
                        () -> get(api.resolve("/-/ready")).statusCode() == 200 ? Optional.of(true) : Optional.empty(),
                        () -> log(dir) + "\n" + cluster.transcripts());

                Map<String, Object> steps = awaitPositive(api, "chainrule_steps_total", cluster);
                Map<String, Object> labels = Yamls.mapAt(steps, "metric");
                assertEquals("chainrule-coordinator", labels.get("job"), "the shipped job name: " + labels);
                assertEquals("coordinator", labels.get("role"), "the shipped target label: " + labels);
                assertEquals("127.0.0.1", labels.get("instance"), "the shipped relabelling (host without port): " + labels);
                assertEquals(LocalCluster.RUN, labels.get("run"), "the run tag: " + labels);
                awaitPositive(api, "chainrule_step_seconds_count", cluster);

                double first = value(steps);
                Await.until("chainrule_steps_total grows past " + first + " in later scrapes", QUERY_WAIT, Duration.ofMillis(500),
                        () -> query(api, "chainrule_steps_total").filter(s -> value(s) > first), () -> log(dir));
            } finally {
                server.destroy();
                if (!server.waitFor(15, TimeUnit.SECONDS)) {
                    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The shipped configuration with the coordinator job scraping {@code target} every second, and no other job. */
    private static String config(String target) throws IOException {
        Map<String, Object> config = Yamls.document(Files.readString(SHIPPED_CONFIG), SHIPPED_CONFIG.toString());
        Map<String, Object> global = Yamls.mapAt(config, "global");
        global.put("scrape_interval", "1s");
        global.put("scrape_timeout", "1s");
        Map<String, Object> coordinator = Yamls.mapsAt(config, "scrape_configs").stream()
                .filter(job -> "chainrule-coordinator".equals(job.get("job_name"))).findFirst()
                .orElseThrow(() -> new AssertionError(SHIPPED_CONFIG + " has no job chainrule-coordinator"));
        Yamls.mapsAt(coordinator, "static_configs").get(0).put("targets", List.of(target));
        config.put("scrape_configs", List.of(coordinator));
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(options).dump(config);
    }

    /** Polls the instant query {@code metric} until it returns a sample above 0; that sample ({@code metric}, {@code value}). */
    private Map<String, Object> awaitPositive(URI api, String metric, LocalCluster cluster) throws InterruptedException {
        return Await.until("Prometheus has " + metric + " > 0", QUERY_WAIT, Duration.ofMillis(500),
                () -> query(api, metric).filter(sample -> value(sample) > 0), () -> log(dir) + "\n" + cluster.transcripts());
    }

    /** {@code GET /api/v1/query?query=...}: the first sample of the resulting vector, if any. */
    private static Optional<Map<String, Object>> query(URI api, String promql) throws IOException, InterruptedException {
        HttpResponse<String> response = get(api.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
        if (response.statusCode() != 200) {
            throw new IOException("query " + promql + ": HTTP " + response.statusCode() + ": " + response.body());
        }
        Map<String, Object> body = Yamls.document(response.body(), "the answer to " + promql);
        assertEquals("success", body.get("status"), response.body());
        assertEquals("vector", Yamls.stringAt(body, "data.resultType"), response.body());
        List<Map<String, Object>> result = Yamls.mapsAt(body, "data.result");
        return result.isEmpty() ? Optional.empty() : Optional.of(result.get(0));
    }

    /** A vector sample's value: {@code "value": [timestamp, "number"]}. */
    private static double value(Map<String, Object> sample) {
        return Double.parseDouble(String.valueOf(((List<?>) Yamls.at(sample, "value")).get(1)));
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String log(Path dir) {
        try {
            return "--- prometheus.log\n" + Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no prometheus.log: " + e + ")";
        }
    }

    /** {@code command} on the PATH or in /usr/bin, or a failure saying how to install it. */
    private static Path installed(String command) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin";
        for (String directory : path.split(":")) {
            Path candidate = Path.of(directory.isEmpty() ? "." : directory, command);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail(command + " is not installed (expected: Debian's prometheus package, which tools/test-all installs);"
                + " this test needs a real Prometheus and does not skip");
    }
}
