package dev.chainrule.metrics.timeline;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Writes a {@link TimelineRecorder}'s events as Trace Event Format JSON ({@code {"traceEvents": [...]}}):
 * metadata events naming the process and its tracks, then each track's events in order of their
 * start (a span before the spans inside it), spans as complete events ("X"), instants as "i", and a
 * parameter's gradient's arrow as a flow start ("s") in the worker's send and a flow end ("f",
 * bound to the enclosing span) in the coordinator's receipt, both with the id {@link #flowId} gives.
 * Times are microseconds of the coordinator's {@link System#nanoTime()}.
 */
final class TraceWriter {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    private final TimelineRecorder recorder;

    TraceWriter(TimelineRecorder recorder) {
        this.recorder = recorder;
    }

    /** The id of the arrow of parameter {@code parameter}'s gradient of shard {@code shard} of step {@code step}. */
    static long flowId(long step, int shard, int parameter) {
        return (step << 32) | ((long) shard << 12) | parameter;
    }

    void write(OutputStream out, List<Path> others) throws IOException {
        try (JsonGenerator json = FACTORY.createGenerator(ObjectWriteContext.empty(), new NonClosing(out))) {
            json.writeStartObject();
            json.writeName("traceEvents");
            json.writeStartArray();
            writeEvents(json);
            for (Path other : others) {
                copyEvents(other, json);
            }
            json.writeEndArray();
            json.writeStringProperty("displayTimeUnit", "ms");
            json.writeEndObject();
        }
    }

    /** The caller's stream, flushed but left open when the generator closes. */
    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    private void writeEvents(JsonGenerator json) {
        int pid = recorder.pid();
        ClockOffset clock = recorder.clock();
        long offset = clock == null ? 0 : clock.offsetNanos();
        metadata(json, pid, 0, "process_name", "name", recorder.processName());
        metadata(json, pid, 0, "process_labels", "labels", clockLabel(clock) + ", steps " + recorder.window());
        json.writeStartObject();
        common(json, "process_sort_index", "M", pid, 0, 0);
        json.writeName("args");
        json.writeStartObject();
        json.writeNumberProperty("sort_index", pid);
        json.writeEndObject();
        json.writeEndObject();
        for (RecordingTrack track : recorder.tracks()) {
            metadata(json, pid, track.id, "thread_name", "name",
                    track.dropped == 0 ? track.name : track.name + " (" + track.dropped + " events dropped: buffer full)");
            Integer[] order = new Integer[track.size];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, Comparator.<Integer>comparingLong(i -> track.starts[i]).thenComparing(i -> -track.ends[i]));
            for (int i : order) {
                event(json, pid, track, i, offset);
            }
        }
    }

    private static void event(JsonGenerator json, int pid, RecordingTrack track, int i, long offset) {
        byte kind = track.kinds[i];
        double ts = micros(track.starts[i] + offset);
        json.writeStartObject();
        common(json, track.names[i], kind == RecordingTrack.INSTANT ? "i" : "X", pid, track.id, ts);
        if (kind == RecordingTrack.INSTANT) {
            json.writeStringProperty("s", "t");
        } else {
            json.writeNumberProperty("dur", (track.ends[i] - track.starts[i]) / 1000.0);
        }
        json.writeName("args");
        json.writeStartObject();
        json.writeNumberProperty("step", track.steps[i]);
        if (track.shards[i] >= 0) {
            json.writeNumberProperty("shard", track.shards[i]);
        }
        if (track.parameters[i] >= 0) {
            json.writeNumberProperty("parameter", track.parameters[i]);
        }
        json.writeEndObject();
        json.writeEndObject();
        if (kind == RecordingTrack.SPAN_FLOW_OUT || kind == RecordingTrack.SPAN_FLOW_IN) {
            boolean out = kind == RecordingTrack.SPAN_FLOW_OUT;
            json.writeStartObject();
            common(json, "gradient", out ? "s" : "f", pid, track.id, ts);
            json.writeStringProperty("cat", "gradient");
            json.writeNumberProperty("id", flowId(track.steps[i], track.shards[i], track.parameters[i]));
            if (!out) {
                json.writeStringProperty("bp", "e");
            }
            json.writeEndObject();
        }
    }

    private static void metadata(JsonGenerator json, int pid, int tid, String name, String argument, String value) {
        json.writeStartObject();
        common(json, name, "M", pid, tid, 0);
        json.writeName("args");
        json.writeStartObject();
        json.writeStringProperty(argument, value);
        json.writeEndObject();
        json.writeEndObject();
    }

    private static void common(JsonGenerator json, String name, String phase, int pid, int tid, double ts) {
        json.writeStringProperty("name", name);
        json.writeStringProperty("ph", phase);
        json.writeNumberProperty("ts", ts);
        json.writeNumberProperty("pid", pid);
        json.writeNumberProperty("tid", tid);
    }

    private static String clockLabel(ClockOffset clock) {
        if (clock == null) {
            return "the coordinator's clock";
        }
        if (!clock.measured()) {
            return "clock not aligned (no round trip to the coordinator measured)";
        }
        return String.format(Locale.ROOT, "clock offset %+.1f µs ± %.1f µs from %d round trips", clock.offsetNanos() / 1000.0,
                clock.uncertaintyNanos() / 1000.0, clock.samples());
    }

    private static double micros(long nanos) {
        return nanos / 1000.0;
    }

    /** Copies the elements of {@code file}'s "traceEvents" array into {@code json}. */
    private static void copyEvents(Path file, JsonGenerator json) throws IOException {
        try (InputStream in = Files.newInputStream(file); JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(file + ": not a trace (expected: {\"traceEvents\": [...]})");
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (name.equals("traceEvents") && parser.currentToken() == JsonToken.START_ARRAY) {
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        json.copyCurrentStructure(parser);
                    }
                } else {
                    parser.skipChildren();
                }
            }
        }
    }
}
