package dev.chainrule.cli;

import dev.chainrule.metrics.timeline.ClockOffset;
import dev.chainrule.metrics.timeline.StepWindow;
import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.metrics.timeline.TimelineRecorder;
import dev.chainrule.weights.AtomicFiles;
import dev.chainrule.weights.OutputPathException;
import dev.chainrule.weights.OutputPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --timeline FILE} and {@code --timeline-steps FROM:TO}, shared by {@code train},
 * {@code coordinator} and {@code worker}: the process's {@link Timeline} (off without the option),
 * and at the end its trace file. A local cluster's worker processes write theirs next to FILE
 * ({@link #workerPart}), and the coordinator's file takes their events in and deletes them.
 */
final class TimelineOptions {
    /** The trace id of the coordinator's process (a worker's is 100 + its id). */
    static final int COORDINATOR_PID = 1;

    @Option(names = "--timeline", paramLabel = "FILE",
            description = "Write what each thread did during --timeline-steps as Trace Event Format JSON (open it in"
                    + " ui.perfetto.dev or chrome://tracing); with --workers N, one file for every process.")
    Path file;

    @Option(names = "--timeline-steps", paramLabel = "FROM:TO", defaultValue = "20:40",
            description = "The steps FROM <= step < TO that --timeline records (default: ${DEFAULT-VALUE}).")
    String steps;

    /** Checks the options and that FILE can be written, before the run. */
    void check() throws InputException, OutputPathException {
        window();
        if (file != null) {
            OutputPaths.file(file);
        }
    }

    /** The timeline of process {@code pid} called {@code name}; a worker's measures its clock offset to the coordinator. */
    Timeline create(int pid, String name, boolean worker) throws InputException {
        return file == null ? Timeline.off() : new TimelineRecorder(window(), pid, name, worker ? new ClockOffset() : null);
    }

    /**
     * Writes {@code timeline}'s file (nothing when it is off), with the events of {@code parts} (a
     * local cluster's workers' files, which it then deletes; those that are missing are named on
     * {@code log}). FILE is replaced as {@link AtomicFiles} does.
     */
    void write(Timeline timeline, List<Path> parts, PrintWriter log) throws IOException {
        if (!(timeline instanceof TimelineRecorder recorder)) {
            return;
        }
        List<Path> found = new ArrayList<>();
        for (Path part : parts) {
            if (Files.isRegularFile(part)) {
                found.add(part);
            } else {
                log.println("warning: the timeline leaves out a worker whose file " + part + " was not written");
            }
        }
        AtomicFiles.write(file, out -> recorder.write(out, found));
        for (Path part : found) {
            Files.deleteIfExists(part);
        }
        log.println("wrote the timeline " + file + " (steps " + steps + ")");
        log.flush();
    }

    /** Where the {@code i}-th worker process of a local cluster writes its part: next to FILE. */
    Path workerPart(int i) {
        return file.resolveSibling(file.getFileName() + ".worker-" + i + ".part");
    }

    /** The parts of workers 1 to {@code workers}, or none without --timeline. */
    List<Path> workerParts(int workers) {
        List<Path> parts = new ArrayList<>();
        for (int i = 1; file != null && i <= workers; i++) {
            parts.add(workerPart(i));
        }
        return parts;
    }

    private StepWindow window() throws InputException {
        try {
            return StepWindow.parse(steps);
        } catch (IllegalArgumentException e) {
            throw new InputException("--timeline-steps " + e.getMessage());
        }
    }
}
