package dev.chainrule.metrics.timeline;

/**
 * Where a process records its timeline: {@link #off()} when {@code --timeline} is not given, a
 * {@link TimelineRecorder} when it is. Chosen once; its tracks are asked for once per thread or
 * role and kept, so that recording an event is a call on a track and nothing more.
 */
public interface Timeline {

    /** The timeline that records nothing: its tracks do nothing and allocate nothing. */
    static Timeline off() {
        return Off.TIMELINE;
    }

    /** A new track called {@code name} (e.g. "training", "worker 0 session"); any thread. */
    Track track(String name);

    /** Step {@code step} has started: events recorded with step -1 belong to it from now on; any thread. */
    void stepStarted(long step);

    /** The offset measured to the coordinator's clock, which a worker moves its times by; null on the coordinator. */
    ClockOffset clock();

    /** Names the process in the trace (a worker learns its id from the Welcome); any thread. */
    void process(int pid, String processName);

    /** Whether events are recorded. */
    boolean recording();
}
