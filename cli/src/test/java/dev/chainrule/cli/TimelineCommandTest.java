package dev.chainrule.cli;

import static dev.chainrule.cli.TrainCommandTest.assertInputError;
import static dev.chainrule.cli.TrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.cli.TrainCommandTest.Run;
import dev.chainrule.metrics.timeline.TraceCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --timeline FILE} on {@code train}: on worker processes, one valid trace with the coordinator
 * and both workers as named processes; in one process, a trace of the steps and the same weights as
 * without it; a bad window refused before training.
 */
class TimelineCommandTest {
    @TempDir
    Path dir;
    Path train;
    Path test;

    @BeforeEach
    void writeData() throws IOException {
        train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 300, 4, 3, 1);
        test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 100, 4, 3, 2);
    }

    private String[] args(String... more) {
        List<String> all = new ArrayList<>(List.of("train", "--train", train.toString(), "--test", test.toString(), "--model", "4-8-3",
                "--batch", "8", "--epochs", "1"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    @Test
    void trainOnWorkerProcessesWritesOneFileWithEveryProcess() throws IOException {
        Path file = dir.resolve("t.json");
        Run run = run(args("--workers", "2", "--worker-wait", "120s", "--timeline", file.toString(), "--timeline-steps", "5:15"));
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("wrote the timeline " + file), run.out());
        List<TraceCheck.Event> events = TraceCheck.read(file);
        assertEquals(List.of(), TraceCheck.problems(events));
        assertEquals(List.of("coordinator", "worker-1", "worker-2"), events.stream()
                .filter(e -> e.name().equals("process_name")).map(e -> e.argName().replaceAll(" \\(worker [01]\\)$", "")).sorted()
                .toList(), "named for the worker and its id, which depends on the order they joined in");
        assertEquals(10 * 2 * 4, events.stream().filter(e -> e.ph().equals("f")).count(), "10 steps, 2 shards, 4 parameters");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".part")).toList(), "the workers' parts are merged");
        }
    }

    @Test
    void trainInOneProcessRecordsItsStepsAndKeepsTheWeights() throws IOException {
        Path file = dir.resolve("local.json");
        Path with = dir.resolve("with.safetensors");
        Path without = dir.resolve("without.safetensors");
        assertEquals(0, run(args("--save", with.toString(), "--timeline", file.toString(), "--timeline-steps", "3:9")).exitCode());
        assertEquals(0, run(args("--save", without.toString())).exitCode());
        assertArrayEquals(Files.readAllBytes(without), Files.readAllBytes(with), "--timeline does not change the weights' bytes");
        List<TraceCheck.Event> events = TraceCheck.read(file);
        assertEquals(List.of(), TraceCheck.problems(events));
        assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L), events.stream().filter(e -> e.ph().equals("X")).map(TraceCheck.Event::step).toList());
    }

    @Test
    void aBadWindowOrATimelinePathThatIsADirectoryIsAnInputErrorBeforeTraining() {
        assertInputError(args("--timeline", dir.resolve("t.json").toString(), "--timeline-steps", "9:3"), "--timeline-steps", "9:3");
        assertInputError(args("--timeline", dir.toString()), dir.toString());
    }
}
