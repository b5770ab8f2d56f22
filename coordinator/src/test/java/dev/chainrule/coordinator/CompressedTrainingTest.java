package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.data.DataSplit;
import dev.chainrule.data.Dataset;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingResult;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.wire.GradientCompression;
import dev.chainrule.worker.WorkerResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs with compressed gradients, real workers over real sockets on 127.0.0.1: each lossy mode
 * learns the task about as well as uncompressed gradients, with the bytes on the wire it promises
 * (counted by the coordinator's own metric, message overhead included: a small model's top-k keeps little else).
 */
class CompressedTrainingTest {
    private static final ModelSpec SPEC = ModelSpec.of(16, 32, 4);

    @ParameterizedTest(name = "{0}")
    @CsvSource({"fp16, 0.45, 0.55", "bf16, 0.45, 0.55", "topk:0.05, 0.05, 0.25"})
    void aLossyModeLearnsAsWellAsNoneWithFewerBytes(String mode, double minRatio, double maxRatio) throws Exception {
        Run none = run(GradientCompression.none());
        Run lossy = run(GradientCompression.parse(mode));
        assertTrue(none.result.test().accuracy() > 0.9, "the task is learnable: " + none.result.test().accuracy());
        assertTrue(lossy.result.test().accuracy() >= none.result.test().accuracy() - 0.05,
                mode + ": " + lossy.result.test().accuracy() + " vs none " + none.result.test().accuracy());
        double ratio = (double) lossy.gradientBytes / none.gradientBytes;
        assertTrue(ratio >= minRatio && ratio <= maxRatio, mode + ": " + lossy.gradientBytes + " gradient bytes vs " + none.gradientBytes
                + " (ratio " + ratio + ", expected " + minRatio + " to " + maxRatio + ")");
    }

    /** A finished run: its result and the gradient bytes the coordinator received. */
    private record Run(TrainingResult result, double gradientBytes) {
    }

    /** 2 workers, 2 shards, Adam, 10 epochs of 4 noisy blobs in 16 dimensions. */
    private static Run run(GradientCompression compression) throws Exception {
        DataSplit data = data();
        TrainingConfig config = new TrainingConfig(32, 10, 0, true, 3, 2);
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 7);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CoordinatorSettings settings = CoordinatorSettings.defaults(2).withWorkerWait(Duration.ofSeconds(20))
                .withStepTimeout(Duration.ofSeconds(30)).withCompression(compression);
        CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), model, data.train(), config, settings,
                new CoordinatorMetrics(registry)).start();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<WorkerResult>> workers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Dataset own = data().train();
                String name = "worker-" + i;
                workers.add(threads.submit(() -> TestRuns.runWorker(server.port(), own, name)));
            }
            TrainingResult result = TestRuns.train(model, data, config, "adam", server.executor());
            server.close();
            for (Future<WorkerResult> worker : workers) {
                assertTrue(worker.get(30, TimeUnit.SECONDS).finished());
            }
            double bytes = registry.find("chainrule.gradient.bytes.received").counters().stream().mapToDouble(c -> c.count()).sum();
            assertEquals(true, bytes > 0, "gradient bytes were counted");
            return new Run(result, bytes);
        } finally {
            server.close();
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    private static DataSplit data() {
        return new DataSplit(TrainingTestData.blobs("train", 400, 4, 16, 1.0, 1), TrainingTestData.blobs("test", 200, 4, 16, 1.0, 2));
    }
}
