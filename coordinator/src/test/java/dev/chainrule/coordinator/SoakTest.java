package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.data.DataSplit;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.LearningRateSchedules;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.Evaluation;
import dev.chainrule.train.Trainer;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingListener;
import dev.chainrule.train.TrainingResult;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.worker.Worker;
import dev.chainrule.worker.WorkerResult;
import io.grpc.ManagedChannel;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded soak test: 32 real {@link Worker}s on threads of this JVM, each over its own channel and
 * real loopback socket, train a small model (8-8-3, batch 64 in 32 shards of 2 samples) for 1,000
 * steps. Every step must complete with every worker's shard; the heap in use after a full GC at the
 * end may exceed the figure at step 100 by at most {@link #HEAP_GROWTH_LIMIT_BYTES}; and once the
 * server, the channels and the worker threads are closed, no thread started during the run may
 * still be alive after {@link #THREAD_WAIT}. The figures are printed.
 */
class SoakTest {
    private static final int WORKERS = 32;
    private static final int STEPS = 1_000;
    private static final int BATCH = 64;
    private static final long HEAP_GROWTH_LIMIT_BYTES = 20L * 1024 * 1024;
    /** How long gRPC's shared executors and event loops get to wind down after the last user released them (they wait 1 s). */
    private static final Duration THREAD_WAIT = Duration.ofSeconds(15);

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void thirtyTwoWorkersTrainAThousandStepsWithFlatHeapAndNoLeftoverThreads() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        long wallStart = System.nanoTime();
        // 6,400 samples: 100 steps per epoch, every batch full, so every step has 32 shards of 2 samples
        DataSplit data = new DataSplit(TrainingTestData.blobs("train", 6_400, 3, 8, 1.0, 1),
                TrainingTestData.blobs("test", 300, 3, 8, 1.0, 2));
        TrainingConfig config = new TrainingConfig(BATCH, 1, STEPS, true, 7, WORKERS);
        Mlp model = Mlp.initialized(ModelSpec.of(8, 8, 3), Activation.RELU, 3);
        CoordinatorSettings settings = CoordinatorSettings.defaults(WORKERS).withWorkerWait(Duration.ofSeconds(60))
                .withStepTimeout(Duration.ofSeconds(30)).withReceiveTimeout(Duration.ofSeconds(60));
        HeapProbe heap = new HeapProbe();
        ExecutorService threads = Executors.newFixedThreadPool(WORKERS);
        TrainingResult result;
        long stepsCompleted;
        int peakThreads;
        List<WorkerResult> workers = new ArrayList<>();
        CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), model, data.train(), config, settings)
                .start();
        try {
            List<Future<WorkerResult>> futures = new ArrayList<>();
            for (int i = 0; i < WORKERS; i++) {
                String name = "soak-" + i;
                futures.add(threads.submit(() -> runWorker(server.port(), data, name)));
            }
            long total = config.totalSteps(Trainer.batches(data.train(), config).batchesPerEpoch());
            result = new Trainer(model, data, config, Optimizers.create("adam", OptimizerSettings.defaults()),
                    LearningRateSchedules.create("cosine", 0.01, total), heap, server.executor()).run();
            stepsCompleted = server.executor().stepsCompleted();
            peakThreads = heap.peakThreads;
            server.close();
            for (Future<WorkerResult> future : futures) {
                workers.add(future.get(60, TimeUnit.SECONDS));
            }
        } finally {
            server.close();
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS), "the worker threads end");
        }
        double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        List<String> leftover = leftoverThreads(before, THREAD_WAIT);

        System.out.printf(Locale.ROOT, "soak: %d workers x %d steps (model 8-8-3, batch %d, %d shards) in %.1f s wall, training %.1f s"
                        + " (%.0f steps/s)%n", WORKERS, STEPS, BATCH, WORKERS, wallSeconds, result.wallSeconds(),
                STEPS / result.wallSeconds());
        System.out.printf(Locale.ROOT, "soak: heap used after GC: step 100 %.1f MB, step 500 %.1f MB, step %d %.1f MB (growth %+.2f MB,"
                        + " limit %d MB)%n", mb(heap.atStep100), mb(heap.atStep500), STEPS, mb(heap.atEnd), mb(heap.atEnd - heap.atStep100),
                HEAP_GROWTH_LIMIT_BYTES >> 20);
        System.out.printf(Locale.ROOT, "soak: live threads: %d before, %d at step 100, peak %d during, %d after closing and %d s wait"
                        + " (%d started during the run still alive: %s)%n", before.size(), heap.threadsAtStep100, peakThreads,
                Thread.getAllStackTraces().size(), THREAD_WAIT.toSeconds(), leftover.size(), leftover);

        assertEquals(STEPS, result.steps());
        assertEquals(STEPS, stepsCompleted, "steps completed by the remote executor");
        long shards = 0;
        for (WorkerResult worker : workers) {
            assertTrue(worker.finished(), worker.reason());
            assertEquals(STEPS, worker.stats().steps(), "every worker computes a shard of every step");
            shards += worker.stats().shards();
        }
        assertEquals((long) WORKERS * STEPS, shards);
        assertTrue(result.test().accuracy() > 0.9, "the model learned the blobs: " + result.test());
        assertTrue(heap.atEnd - heap.atStep100 < HEAP_GROWTH_LIMIT_BYTES, String.format(Locale.ROOT,
                "heap after GC grew from %.1f MB at step 100 to %.1f MB at step %d", mb(heap.atStep100), mb(heap.atEnd), STEPS));
        assertEquals(List.of(), leftover, "threads started during the run and still alive " + THREAD_WAIT.toSeconds() + " s after closing");
    }

    private static WorkerResult runWorker(int port, DataSplit data, String name) throws InterruptedException {
        ManagedChannel channel = TestRuns.channel(port);
        try {
            return new Worker(channel, data.train(), name, Duration.ofSeconds(60)).run();
        } finally {
            channel.shutdown();
            if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The names of the threads alive now that were not alive in {@code before}, after waiting up to
     * {@code wait} for them to end; sorted, with counts.
     */
    private static List<String> leftoverThreads(Set<Thread> before, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<Thread> started = Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t) && t.isAlive()).toList();
            if (started.isEmpty() || System.nanoTime() > deadline) {
                TreeMap<String, Long> byName = started.stream().collect(Collectors.groupingBy(
                        t -> t.getName().replaceAll("\\d+", "N") + (t.isDaemon() ? " (daemon)" : ""), TreeMap::new, Collectors.counting()));
                return byName.entrySet().stream().map(e -> e.getValue() + " x " + e.getKey()).toList();
            }
            Thread.sleep(100);
        }
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** Measures the heap in use after a full GC at steps 100, 500 and the last, and the live threads, on the training thread. */
    private static final class HeapProbe implements TrainingListener {
        long atStep100;
        long atStep500;
        long atEnd;
        int threadsAtStep100;
        int peakThreads;

        @Override
        public void onStep(long step, long totalSteps, long epoch, double loss, double samplesPerSecond, double etaSeconds) {
            if (step % 50 == 0) {
                peakThreads = Math.max(peakThreads, ManagementFactory.getThreadMXBean().getThreadCount());
            }
            if (step == 100) {
                atStep100 = usedAfterGc();
                threadsAtStep100 = ManagementFactory.getThreadMXBean().getThreadCount();
            } else if (step == 500) {
                atStep500 = usedAfterGc();
            } else if (step == totalSteps) {
                atEnd = usedAfterGc();
            }
        }

        @Override
        public void onEpochEnd(long epoch, long step, double trainLoss, Evaluation test) {
        }

        @Override
        public void onFinish(TrainingResult result) {
        }

        private static long usedAfterGc() {
            System.gc();
            System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
    }
}
