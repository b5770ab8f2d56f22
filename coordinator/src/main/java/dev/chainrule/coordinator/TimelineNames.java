package dev.chainrule.coordinator;

/**
 * The names of what the coordinator records in its timeline: constants, so that recording an event
 * allocates nothing. The README's "The run timeline" says what each shows.
 */
final class TimelineNames {
    static final String STEP_WAIT = "step: waiting for the workers";
    static final String IDLE = "idle";
    static final String TICK = "tick";
    static final String ADD = "add in shard order";
    static final String UPDATE = "optimiser update";
    static final String BROADCAST = "broadcast weights";
    static final String RECEIVE = "receive gradient";

    private TimelineNames() {
    }

    /** What handling {@code event} is called on the event loop's track. */
    static String of(RunEvent event) {
        if (event instanceof RunEvent.ParameterGradient) {
            return "gradient arrived";
        } else if (event instanceof RunEvent.ShardArrived) {
            return "shard arrived";
        } else if (event instanceof RunEvent.StepRequested) {
            return "start step";
        } else if (event instanceof RunEvent.Tick) {
            return TICK;
        }
        return "worker event";
    }
}
