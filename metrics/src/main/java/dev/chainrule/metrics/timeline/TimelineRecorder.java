package dev.chainrule.metrics.timeline;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The timeline of one process while {@code --timeline} is given: a {@link RecordingTrack} per thread
 * or role, each with room for {@link #EVENTS_PER_STEP} events a step of the window, and the
 * process's name and id in the trace (a worker learns its id from the Welcome). {@link #write} puts
 * everything in a Trace Event Format file once the run is over.
 */
public final class TimelineRecorder implements Timeline {
    /** Room per track and step: a worker's thread records about 20 events a shard, the coordinator's loop about 40 a step with 2 workers. */
    static final int EVENTS_PER_STEP = 512;
    private static final int MAX_EVENTS_PER_TRACK = 1 << 18;

    private final StepWindow window;
    private final ClockOffset clock;
    private final List<RecordingTrack> tracks = new ArrayList<>();
    private volatile long currentStep = -1;
    private volatile int pid;
    private volatile String processName;

    /** A recorder for the steps of {@code window}, of process {@code pid} called {@code processName}; {@code clock} null on the coordinator. */
    public TimelineRecorder(StepWindow window, int pid, String processName, ClockOffset clock) {
        this.window = Objects.requireNonNull(window, "window");
        this.pid = pid;
        this.processName = Objects.requireNonNull(processName, "processName");
        this.clock = clock;
    }

    @Override
    public synchronized Track track(String name) {
        int capacity = (int) Math.min(MAX_EVENTS_PER_TRACK, 64 + window.steps() * EVENTS_PER_STEP);
        RecordingTrack track = new RecordingTrack(this, name, tracks.size() + 1, capacity);
        tracks.add(track);
        return track;
    }

    @Override
    public void stepStarted(long step) {
        currentStep = step;
    }

    @Override
    public ClockOffset clock() {
        return clock;
    }

    @Override
    public boolean recording() {
        return true;
    }

    @Override
    public void process(int pid, String processName) {
        this.pid = pid;
        this.processName = Objects.requireNonNull(processName, "processName");
    }

    /**
     * Writes the trace to {@code out} (left open), followed by the events of the trace files
     * {@code others} (the workers' of a local cluster, already on this process's clock); call once
     * the recording threads are done.
     */
    public synchronized void write(OutputStream out, List<Path> others) throws IOException {
        new TraceWriter(this).write(out, others);
    }

    long currentStep() {
        return currentStep;
    }

    StepWindow window() {
        return window;
    }

    int pid() {
        return pid;
    }

    String processName() {
        return processName;
    }

    List<RecordingTrack> tracks() {
        return List.copyOf(tracks);
    }
}
