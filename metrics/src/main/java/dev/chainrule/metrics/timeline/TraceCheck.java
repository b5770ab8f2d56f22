package dev.chainrule.metrics.timeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads a Trace Event Format file and checks what Perfetto and chrome://tracing rely on: every event
 * has ph, ts, pid, tid and name; on each track (pid, tid) the spans ("X", or "B"/"E" pairs) start in
 * order of time and nest as one stack; every flow id has one start ("s") and one end ("f"); every
 * process with events is named. Used by the tests, and to check a file from any run.
 */
public final class TraceCheck {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    /** Rounding slack of microsecond times written as decimals, in microseconds. */
    private static final double SLACK = 0.002;

    private TraceCheck() {
    }

    /** One event as read: missing numbers are NaN (ts, dur) or -1 (step, shard, parameter, id), missing text null. */
    public record Event(String name, String ph, double ts, double dur, long pid, long tid, long id, String argName, long step, int shard,
            int parameter) {
        /** Where a span ends ({@code ts + dur}). */
        public double end() {
            return ts + (Double.isNaN(dur) ? 0 : dur);
        }
    }

    /** The events of {@code file}'s "traceEvents" array, in file order. */
    public static List<Event> read(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file); JsonParser p = FACTORY.createParser(ObjectReadContext.empty(), in)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, file);
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String property = p.currentName();
                p.nextToken();
                if (!property.equals("traceEvents")) {
                    p.skipChildren();
                    continue;
                }
                expect(p.currentToken(), JsonToken.START_ARRAY, file);
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    events.add(event(p));
                }
            }
        }
        return events;
    }

    /** What is wrong with {@code events}, one line a problem; empty when nothing is. */
    public static List<String> problems(List<Event> events) {
        List<String> problems = new ArrayList<>();
        Map<String, Deque<Event>> stacks = new HashMap<>();
        Map<String, Double> lastStart = new HashMap<>();
        Map<Long, int[]> flows = new LinkedHashMap<>();
        Set<Long> named = new HashSet<>();
        Set<Long> withEvents = new HashSet<>();
        for (Event e : events) {
            if (e.ph() == null || Double.isNaN(e.ts()) || e.pid() < 0 || e.tid() < 0 || e.name() == null) {
                problems.add("an event lacks one of ph, ts, pid, tid, name: " + e);
                continue;
            }
            if (e.ph().equals("M")) {
                if (e.name().equals("process_name")) {
                    named.add(e.pid());
                }
                continue;
            }
            withEvents.add(e.pid());
            String track = e.pid() + "/" + e.tid();
            switch (e.ph()) {
                case "X", "B", "E", "i" -> {
                    Double previous = lastStart.put(track, e.ts());
                    if (previous != null && e.ts() < previous) {
                        problems.add("track " + track + ": " + e.name() + " at " + e.ts() + " after an event at " + previous);
                    }
                    nest(stacks.computeIfAbsent(track, t -> new ArrayDeque<>()), e, track, problems);
                }
                case "s", "f" -> flows.computeIfAbsent(e.id(), id -> new int[2])[e.ph().equals("s") ? 0 : 1]++;
                default -> { }
            }
        }
        stacks.forEach((track, stack) -> stack.stream().filter(e -> e.ph().equals("B"))
                .forEach(e -> problems.add("track " + track + ": " + e.name() + " begun at " + e.ts() + " never ends")));
        flows.forEach((id, counts) -> {
            if (counts[0] != 1 || counts[1] != 1) {
                problems.add("flow " + id + ": " + counts[0] + " starts and " + counts[1] + " ends (expected: one each)");
            }
        });
        withEvents.removeAll(named);
        withEvents.forEach(pid -> problems.add("process " + pid + " has events but no process_name"));
        return problems;
    }

    private static void nest(Deque<Event> stack, Event e, String track, List<String> problems) {
        if (e.ph().equals("E")) {
            if (stack.isEmpty() || !stack.peek().ph().equals("B")) {
                problems.add("track " + track + ": an end at " + e.ts() + " without a begin");
            } else {
                stack.pop();
            }
            return;
        }
        while (!stack.isEmpty() && stack.peek().ph().equals("X") && stack.peek().end() <= e.ts() + SLACK) {
            stack.pop();
        }
        if (!stack.isEmpty() && stack.peek().ph().equals("X") && e.end() > stack.peek().end() + SLACK) {
            problems.add("track " + track + ": " + e.name() + " [" + e.ts() + ", " + e.end() + "] overlaps " + stack.peek().name()
                    + " [" + stack.peek().ts() + ", " + stack.peek().end() + "] without nesting in it");
        }
        if (!e.ph().equals("i")) {
            stack.push(e);
        }
    }

    private static Event event(JsonParser p) throws IOException {
        String name = null;
        String ph = null;
        String argName = null;
        double ts = Double.NaN;
        double dur = Double.NaN;
        long pid = -1;
        long tid = -1;
        long id = -1;
        long step = -1;
        int shard = -1;
        int parameter = -1;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> name = p.getString();
                case "ph" -> ph = p.getString();
                case "ts" -> ts = p.getDoubleValue();
                case "dur" -> dur = p.getDoubleValue();
                case "pid" -> pid = p.getLongValue();
                case "tid" -> tid = p.getLongValue();
                case "id" -> id = value == JsonToken.VALUE_STRING ? p.getString().hashCode() : p.getLongValue();
                case "args" -> {
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        String arg = p.currentName();
                        p.nextToken();
                        switch (arg) {
                            case "name" -> argName = p.getString();
                            case "step" -> step = p.getLongValue();
                            case "shard" -> shard = p.getIntValue();
                            case "parameter" -> parameter = p.getIntValue();
                            default -> p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new Event(name, ph, ts, dur, pid, tid, id, argName, step, shard, parameter);
    }

    private static void expect(JsonToken found, JsonToken expected, Path file) throws IOException {
        if (found != expected) {
            throw new IOException(file + ": " + found + " (expected: " + expected + ", a trace {\"traceEvents\": [...]})");
        }
    }
}
