package dev.chainrule.worker;

import dev.chainrule.metrics.timeline.ClockOffset;
import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.metrics.timeline.Track;
import dev.chainrule.proto.v1.Welcome;
import dev.chainrule.proto.v1.WeightsChunk;

/**
 * What a worker's session thread records in the process's {@link Timeline}, on its track "compute":
 * each shard, its forward and backward passes, each parameter's gradient ready and sent (the start of
 * the arrow to the coordinator's receipt), and each wait for the coordinator. It also feeds the
 * timeline's {@link ClockOffset}: the Join and the Welcome are one round trip, and each step's last
 * gradient sent and the next step's weights another (the coordinator builds those weights only after
 * every gradient of the step arrived). With the timeline off, every call does nothing. Used by the
 * session thread only.
 */
final class WorkerTimeline {
    static final String SHARD = "shard";
    static final String FORWARD = "forward";
    static final String BACKWARD = "backward";
    static final String READY = "gradient ready";
    static final String SEND = "send gradient";
    static final String WAIT = "wait for the coordinator";

    private final Timeline timeline;
    private final Track track;
    private final ClockOffset clock;
    private long lastSendStart;
    private long lastSendStep = -1;

    WorkerTimeline(Timeline timeline) {
        this.timeline = timeline;
        this.track = timeline.track("compute");
        this.clock = timeline.clock();
    }

    Track track() {
        return track;
    }

    /** The Join was sent at {@code joinSent} and {@code welcome} taken at {@code now}: names the process and measures a round trip. */
    void welcomed(long joinSent, Welcome welcome, String name, long now) {
        timeline.process(100 + welcome.getWorkerId(), name + " (worker " + welcome.getWorkerId() + ")");
        if (clock != null && welcome.hasCoordinatorNanos()) {
            clock.sample(joinSent, welcome.getCoordinatorNanos(), now);
        }
    }

    /** A step's assignment arrived: the worker's events from now on belong to it. */
    void assigned(long step) {
        timeline.stepStarted(step);
    }

    /** The worker waited from {@code start} until now for the coordinator, in step {@code step}. */
    void waited(long start, long step) {
        track.span(WAIT, start, step, -1, -1);
    }

    /** {@code chunk} was taken at {@code now}: a round trip when it is the weights of the step after the last one this worker sent gradients of. */
    void weights(WeightsChunk chunk, long now) {
        if (clock != null && chunk.hasSentNanos() && chunk.getStep() == lastSendStep + 1) {
            clock.sample(lastSendStart, chunk.getSentNanos(), now);
        }
    }

    /** A gradient of step {@code step} starts going out at {@code start}. */
    void sending(long step, long start) {
        lastSendStart = start;
        lastSendStep = step;
    }

    /** Whether times are taken at all. */
    boolean recording() {
        return timeline.recording();
    }
}
