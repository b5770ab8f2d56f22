package dev.chainrule.metrics.timeline;

/**
 * A track that stores its events in arrays allocated up front, one slot an event; when they are
 * full, further events are dropped and counted. Written by one thread at a time, read by
 * {@link TimelineRecorder#write} once the recording threads are done.
 */
final class RecordingTrack implements Track {
    static final byte SPAN = 0;
    static final byte SPAN_FLOW_OUT = 1;
    static final byte SPAN_FLOW_IN = 2;
    static final byte INSTANT = 3;

    private final TimelineRecorder timeline;
    final String name;
    final int id;
    final String[] names;
    final byte[] kinds;
    final long[] starts;
    final long[] ends;
    final long[] steps;
    final int[] shards;
    final int[] parameters;
    int size;
    long dropped;

    RecordingTrack(TimelineRecorder timeline, String name, int id, int capacity) {
        this.timeline = timeline;
        this.name = name;
        this.id = id;
        this.names = new String[capacity];
        this.kinds = new byte[capacity];
        this.starts = new long[capacity];
        this.ends = new long[capacity];
        this.steps = new long[capacity];
        this.shards = new int[capacity];
        this.parameters = new int[capacity];
    }

    @Override
    public long now() {
        return System.nanoTime();
    }

    @Override
    public long span(String name, long startNanos, long step, int shard, int parameter) {
        return record(SPAN, name, startNanos, step, shard, parameter);
    }

    @Override
    public void spanWithFlow(String name, long startNanos, long step, int shard, int parameter, boolean out) {
        record(out ? SPAN_FLOW_OUT : SPAN_FLOW_IN, name, startNanos, step, shard, parameter);
    }

    @Override
    public void instant(String name, long step, int shard, int parameter) {
        long now = System.nanoTime();
        record(INSTANT, name, now, step, shard, parameter);
    }

    /** Records the event (unless its step is outside the window or the track is full); returns its end. */
    private long record(byte kind, String name, long start, long step, int shard, int parameter) {
        long end = System.nanoTime();
        long s = step >= 0 ? step : timeline.currentStep();
        if (!timeline.window().contains(s)) {
            return end;
        }
        int i = size;
        if (i == names.length) {
            dropped++;
            return end;
        }
        names[i] = name;
        kinds[i] = kind;
        starts[i] = start;
        ends[i] = kind == INSTANT ? start : end;
        steps[i] = s;
        shards[i] = shard;
        parameters[i] = parameter;
        size = i + 1;
        return end;
    }
}
