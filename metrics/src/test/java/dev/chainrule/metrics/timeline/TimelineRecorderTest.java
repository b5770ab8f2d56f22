package dev.chainrule.metrics.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineRecorderTest {
    @TempDir
    Path dir;

    @Test
    void offRecordsNothingAndHandsOutOneTrack() {
        Timeline off = Timeline.off();
        assertFalse(off.recording());
        assertSame(off.track("a"), off.track("b"));
        assertEquals(0, off.track("a").now());
    }

    @Test
    void writesNestedSpansOfTheWindowOnlyWithPairedFlows() throws Exception {
        TimelineRecorder coordinator = new TimelineRecorder(new StepWindow(1, 3), 1, "coordinator", null);
        TimelineRecorder worker = new TimelineRecorder(new StepWindow(1, 3), 100, "worker 0", new ClockOffset());
        Track send = worker.track("compute");
        Track receive = coordinator.track("session");
        for (long step = 0; step < 4; step++) {
            long shard = send.now();
            for (int p = 0; p < 2; p++) {
                long start = send.now();
                send.instant("gradient ready", step, 0, p);
                send.spanWithFlow("send", start, step, 0, p, true);
                long got = receive.now();
                receive.spanWithFlow("receive", got, step, 0, p, false);
            }
            send.span("shard", shard, step, 0, -1);
        }
        Path part = dir.resolve("w.json");
        write(worker, part, List.of());
        Path file = dir.resolve("t.json");
        write(coordinator, file, List.of(part));
        List<TraceCheck.Event> events = TraceCheck.read(file);
        assertEquals(List.of(), TraceCheck.problems(events));
        assertEquals(2, events.stream().filter(e -> e.name().equals("shard")).count(), "steps 1 and 2 only");
        assertEquals(4, events.stream().filter(e -> e.ph().equals("s")).count());
        assertEquals(List.of("coordinator", "worker 0"), events.stream().filter(e -> e.name().equals("process_name"))
                .map(TraceCheck.Event::argName).toList());
    }

    @Test
    void theCheckFindsOverlapsUnpairedFlowsAndMissingFields() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, """
                {"traceEvents": [
                  {"name": "process_name", "ph": "M", "ts": 0, "pid": 1, "tid": 0, "args": {"name": "p"}},
                  {"name": "a", "ph": "X", "ts": 10, "dur": 10, "pid": 1, "tid": 1},
                  {"name": "b", "ph": "X", "ts": 15, "dur": 10, "pid": 1, "tid": 1},
                  {"name": "c", "ph": "X", "ts": 5, "dur": 1, "pid": 1, "tid": 1},
                  {"name": "g", "ph": "s", "ts": 5, "pid": 1, "tid": 1, "id": 7},
                  {"ph": "X", "ts": 5, "dur": 1, "pid": 1, "tid": 2}
                ]}""");
        List<String> problems = TraceCheck.problems(TraceCheck.read(file));
        assertEquals(4, problems.size(), problems.toString());
    }

    @Test
    void theClockOffsetIsTheMiddleOfWhatEveryRoundTripAllows() {
        ClockOffset clock = new ClockOffset();
        assertFalse(clock.measured());
        clock.sample(100, 1_150, 300);  // offset in [850, 1050]
        clock.sample(400, 1_420, 440);  // offset in [980, 1020]
        clock.sample(500, 10, 600);     // contradicts: left out
        assertTrue(clock.measured());
        assertEquals(1000, clock.offsetNanos());
        assertEquals(20, clock.uncertaintyNanos());
        assertEquals(1, clock.contradictions());
    }

    @Test
    void windowsParseAndRefuseNonsense() {
        assertEquals(new StepWindow(20, 40), StepWindow.parse("20:40"));
        assertThrows(IllegalArgumentException.class, () -> StepWindow.parse("40:20"));
        assertThrows(IllegalArgumentException.class, () -> StepWindow.parse("x"));
    }

    private static void write(TimelineRecorder recorder, Path file, List<Path> others) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            recorder.write(out, others);
        }
    }
}
