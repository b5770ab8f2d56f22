package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A worker's final line, as {@code chainrule worker} prints it and {@code train --workers N} copies it to
 * stderr: {@code [worker-1] worker-1: finished after 234 steps, 234 shards, 29952 samples (compute 1.0 s,
 * communication 2.3 s)}. The worker's compute time is its shards' forward and backward passes; its
 * communication time is the rest of its session after the Welcome (waiting for the first weights, which
 * includes waiting for the other workers to join, receiving and loading weights, encoding and sending
 * gradients, waiting for the coordinator's update, and the final evaluation before Stop). Both are
 * printed with 0.1 s resolution.
 *
 * @param name          the worker's name
 * @param steps         steps in which it computed a shard
 * @param computeSeconds its compute time
 * @param communicationSeconds its communication time
 */
record WorkerLine(String name, long steps, double computeSeconds, double communicationSeconds) {
    private static final Pattern LINE = Pattern.compile(
            "(\\S+): finished after (\\d+) steps,.*\\(compute ([0-9.]+) s, communication ([0-9.]+) s\\)");

    /** Every worker's final line in {@code output}, in order. */
    static List<WorkerLine> parseAll(String output) {
        List<WorkerLine> lines = new ArrayList<>();
        Matcher m = LINE.matcher(output);
        while (m.find()) {
            lines.add(new WorkerLine(m.group(1), Long.parseLong(m.group(2)), Double.parseDouble(m.group(3)),
                    Double.parseDouble(m.group(4))));
        }
        return lines;
    }

    /** Compute milliseconds per step. */
    double computeMillisPerStep() {
        return 1e3 * computeSeconds / steps;
    }

    /** Communication milliseconds per step, over the whole session. */
    double communicationMillisPerStep() {
        return 1e3 * communicationSeconds / steps;
    }
}
