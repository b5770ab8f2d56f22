package dev.chainrule.coordinator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each worker's compute and communication time, as its latest heartbeat reports them (one a
 * second, so the figures lag the worker's own by at most its heartbeat interval). Sessions record
 * from gRPC's threads; a report reads a {@link #snapshot} at the end of the run. Times that a worker
 * reports in several sessions (it reconnected) are added up.
 */
public final class WorkerTimes {

    /** One worker's times, named by the worker's own name. */
    public record Entry(String worker, Duration compute, Duration communication) {
    }

    /** Per worker name, per session id: the latest {compute, communication} nanoseconds. */
    private final Map<String, Map<Integer, long[]>> reported = new ConcurrentHashMap<>();

    /** Records that worker {@code name}'s session {@code sessionId} has so far spent these times. */
    void record(String name, int sessionId, long computeNanos, long communicationNanos) {
        reported.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).put(sessionId, new long[] {computeNanos, communicationNanos});
    }

    /** Every worker that reported, by name, its sessions' times added up. */
    public List<Entry> snapshot() {
        List<Entry> entries = new ArrayList<>();
        reported.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(worker -> {
            long compute = 0;
            long communication = 0;
            for (long[] times : worker.getValue().values()) {
                compute += times[0];
                communication += times[1];
            }
            entries.add(new Entry(worker.getKey(), Duration.ofNanos(compute), Duration.ofNanos(communication)));
        });
        return entries;
    }
}
