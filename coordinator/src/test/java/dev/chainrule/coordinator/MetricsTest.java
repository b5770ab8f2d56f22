package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.data.DataSplit;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.metrics.MeterRegistries;
import dev.chainrule.metrics.MetricsServer;
import dev.chainrule.metrics.WorkerMetrics;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.worker.Worker;
import dev.chainrule.worker.WorkerResult;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A short distributed run over real sockets with metrics on: the coordinator's and a worker's
 * /metrics endpoints, scraped over HTTP, carry every documented Prometheus name with the run's figures.
 */
class MetricsTest {
    private static final ModelSpec SPEC = ModelSpec.of(8, 16, 3);
    private static final String RUN = "metrics-test";
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aDistributedRunIsScrapedWithEveryCoordinatorAndWorkerMeter() throws Exception {
        DataSplit data = new DataSplit(TrainingTestData.blobs("train", 100, 3, 8, 1.0, 1), TrainingTestData.blobs("test", 30, 3, 8, 1.0, 2));
        TrainingConfig config = new TrainingConfig(10, 1, 15, true, 11, 2);
        long steps = config.totalSteps(Trainer.batches(data.train(), config).batchesPerEpoch());
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 5);
        CoordinatorSettings settings = CoordinatorSettings.defaults(2).withWorkerWait(Duration.ofSeconds(20))
                .withStepTimeout(Duration.ofSeconds(30));

        PrometheusMeterRegistry coordinatorRegistry = MeterRegistries.prometheus(RUN);
        CoordinatorMetrics metrics = new CoordinatorMetrics(coordinatorRegistry);
        PrometheusMeterRegistry workerRegistry = MeterRegistries.prometheus(RUN, "worker", "worker-0");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (MetricsServer coordinatorEndpoint = MetricsServer.start("127.0.0.1", 0, coordinatorRegistry);
                MetricsServer workerEndpoint = MetricsServer.start("127.0.0.1", 0, workerRegistry);
                CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), model, data.train(), config,
                        settings, metrics).start()) {
            ManagedChannel raw = TestRuns.channel(server.port());
            try {
                FakeWorker bad = new FakeWorker(raw);
                bad.send(WorkerMessage.getDefaultInstance());
                assertEquals(Status.Code.INVALID_ARGUMENT, bad.awaitError().getCode());
            } finally {
                raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            Future<WorkerResult> measured = threads.submit(() -> {
                ManagedChannel channel = TestRuns.channel(server.port());
                try {
                    return new Worker(channel, data.train(), "worker-0", Duration.ofSeconds(20), new WorkerMetrics(workerRegistry)).run();
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            });
            Future<WorkerResult> plain = threads.submit(() -> TestRuns.runWorker(server.port(), data.train(), "worker-1"));
            TestRuns.train(model, data, config, "adam", server.executor(), new MetricsListener(metrics));
            String during = scrape(coordinatorEndpoint.port());
            assertEquals(2, value(during, "chainrule_workers_active"), during);
            server.close();
            WorkerResult result = measured.get(30, TimeUnit.SECONDS);
            assertTrue(plain.get(30, TimeUnit.SECONDS).finished());

            String body = scrape(coordinatorEndpoint.port());
            assertEquals(steps, value(body, "chainrule_steps_total"), body);
            assertEquals(steps, value(body, "chainrule_step_seconds_count"), body);
            assertTrue(value(body, "chainrule_step_seconds_sum") > 0, body);
            assertEquals(steps, value(body, "chainrule_step_wait_seconds_count"), body);
            assertTrue(Double.isFinite(value(body, "chainrule_loss")) && value(body, "chainrule_loss") > 0, body);
            double accuracy = value(body, "chainrule_test_accuracy");
            assertTrue(accuracy >= 0 && accuracy <= 1, body);
            for (String worker : List.of("0", "1")) {
                String tag = "worker=\"" + worker + "\"";
                assertEquals(steps, value(body, "chainrule_worker_lateness_seconds_count", tag), body);
                assertTrue(value(body, "chainrule_gradient_bytes_received_total", tag) > 0, body);
                assertTrue(value(body, "chainrule_weights_bytes_sent_total", tag) > 0, body);
            }
            assertEquals(1, value(body, "chainrule_rejected_messages_total", "reason=\"invalid_argument\""), body);
            assertEquals(0, value(body, "chainrule_checkpoint_seconds_count"), body);
            assertEquals(0, value(body, "chainrule_rollbacks_total"), body);
            assertTrue(body.contains("jvm_memory_used_bytes{"), body);
            assertTrue(body.contains("run=\"" + RUN + "\""), body);

            String worker = scrape(workerEndpoint.port());
            assertEquals(result.stats().shards(), value(worker, "chainrule_worker_compute_seconds_count", "worker=\"worker-0\""), worker);
            assertEquals(result.stats().samples(), value(worker, "chainrule_worker_samples_total"), worker);
            assertTrue(result.stats().samples() > 0);
            assertTrue(value(worker, "chainrule_worker_communication_seconds_count") >= result.stats().steps(), worker);
            assertEquals(result.stats().communicationTime().toNanos() / 1e9, value(worker, "chainrule_worker_communication_seconds_sum"),
                    1e-6, worker);
        } finally {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private static String scrape(int port) throws Exception {
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    /** The value of the sample {@code name} whose labels contain every one of {@code labels}; fails when there is none. */
    private static double value(String body, String name, String... labels) {
        return body.lines()
                .filter(line -> line.startsWith(name + "{") && Arrays.stream(labels).allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " " + Arrays.toString(labels) + " missing from:\n" + body));
    }
}
