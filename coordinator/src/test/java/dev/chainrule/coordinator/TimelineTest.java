package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.data.DataSplit;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.metrics.WorkerMetrics;
import dev.chainrule.metrics.timeline.ClockOffset;
import dev.chainrule.metrics.timeline.StepWindow;
import dev.chainrule.metrics.timeline.TimelineRecorder;
import dev.chainrule.metrics.timeline.TraceCheck;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.worker.Worker;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A distributed run over real sockets with the timeline on in the coordinator and both workers: the
 * merged file is a valid trace with the three processes, every gradient's arrow paired, the
 * coordinator's event loop accounting for each step's time, and the workers' clocks (the same
 * machine's) found to be the coordinator's within the stated uncertainty.
 */
class TimelineTest {
    private static final StepWindow WINDOW = new StepWindow(5, 25);
    @TempDir
    Path dir;

    @Test
    void aRunsTimelineIsAValidTraceThatAccountsForEveryStep() throws Exception {
        DataSplit data = new DataSplit(TrainingTestData.blobs("train", 400, 3, 8, 1.0, 1), TrainingTestData.blobs("test", 30, 3, 8, 1.0, 2));
        TrainingConfig config = new TrainingConfig(10, 1, 30, true, 11, 2);
        Mlp model = Mlp.initialized(ModelSpec.of(8, 16, 3), Activation.RELU, 5);
        CoordinatorSettings settings = CoordinatorSettings.defaults(2).withWorkerWait(Duration.ofSeconds(20))
                .withStepTimeout(Duration.ofSeconds(30));
        TimelineRecorder coordinator = new TimelineRecorder(WINDOW, 1, "coordinator", null);
        List<TimelineRecorder> workers = List.of(new TimelineRecorder(WINDOW, 100, "a", new ClockOffset()),
                new TimelineRecorder(WINDOW, 100, "b", new ClockOffset()));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0), model, data.train(), config,
                settings, Clock.systemUTC(), CoordinatorMetrics.disabled(), coordinator).start()) {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                TimelineRecorder timeline = workers.get(w);
                String name = "worker-" + w;
                running.add(threads.submit(() -> {
                    ManagedChannel channel = TestRuns.channel(server.port());
                    try {
                        return new Worker(channel, data.train(), name, Duration.ofSeconds(20), WorkerMetrics.disabled(), timeline, 1).run();
                    } finally {
                        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                    }
                }));
            }
            TestRuns.train(model, data, config, "sgd", server.executor());
            server.close();
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        }
        List<Path> parts = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            ClockOffset clock = workers.get(w).clock();
            assertTrue(clock.samples() >= WINDOW.steps(), "a round trip a step: " + clock.samples());
            assertTrue(Math.abs(clock.offsetNanos()) <= clock.uncertaintyNanos(),
                    "one machine's clock: offset " + clock.offsetNanos() + " ± " + clock.uncertaintyNanos());
            parts.add(dir.resolve("w" + w + ".json"));
            write(workers.get(w), parts.get(w), List.of());
        }
        Path file = dir.resolve("timeline.json");
        write(coordinator, file, parts);

        List<TraceCheck.Event> events = TraceCheck.read(file);
        assertEquals(List.of(), TraceCheck.problems(events));
        assertEquals(List.of("coordinator", "worker-0", "worker-1"), events.stream()
                .filter(e -> e.name().equals("process_name")).map(e -> e.argName().replaceAll(" \\(worker [01]\\)$", "")).sorted()
                .toList(), "named for the worker and its id, which depends on the order they joined in");
        long arrows = events.stream().filter(e -> e.ph().equals("s")).count();
        assertEquals(WINDOW.steps() * 2 * model.parameters().size(), arrows, "one per step, shard and parameter");
        for (String name : List.of("forward", "backward", "gradient ready", "send gradient", "wait for the coordinator", "receive gradient",
                "add in shard order", "optimiser update", "broadcast weights", "idle")) {
            assertTrue(events.stream().anyMatch(e -> e.name().equals(name)), name);
        }
        assertLoopAccountsForEachStep(events);
    }

    /** The event loop's top-level spans (idle, or handling an event) cover each step's wait on the training thread within 5 %. */
    private static void assertLoopAccountsForEachStep(List<TraceCheck.Event> events) {
        long loop = tid(events, "event loop");
        List<TraceCheck.Event> steps = events.stream().filter(e -> e.name().equals("step: waiting for the workers")).toList();
        assertEquals(WINDOW.steps(), steps.size());
        List<TraceCheck.Event> topLevel = new ArrayList<>();
        double end = Double.NEGATIVE_INFINITY;
        for (TraceCheck.Event e : events.stream().filter(e -> e.pid() == 1 && e.tid() == loop && e.ph().equals("X"))
                .sorted(Comparator.comparingDouble(TraceCheck.Event::ts)).toList()) {
            if (e.ts() >= end - 0.002) {
                topLevel.add(e);
                end = e.end();
            }
        }
        // the window's last step is left out: the loop's idle after it ends with the next step's request and counts as that step's
        for (TraceCheck.Event step : steps.subList(0, steps.size() - 1)) {
            double covered = 0;
            for (TraceCheck.Event e : topLevel) {
                covered += Math.max(0, Math.min(e.end(), step.end()) - Math.max(e.ts(), step.ts()));
            }
            assertEquals(1.0, covered / step.dur(), 0.05, "step " + step.step() + ": " + covered + " of " + step.dur() + " µs");
        }
    }

    private static long tid(List<TraceCheck.Event> events, String thread) {
        return events.stream().filter(e -> e.pid() == 1 && e.name().equals("thread_name") && thread.equals(e.argName())).findFirst()
                .orElseThrow().tid();
    }

    private static void write(TimelineRecorder recorder, Path file, List<Path> others) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            recorder.write(out, others);
        }
    }
}
