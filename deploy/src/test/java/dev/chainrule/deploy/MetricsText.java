package dev.chainrule.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a {@code /metrics} endpoint in Prometheus' text format 0.0.4, parsed into samples:
 * {@code name{label="value",...} number}. Comments and HELP/TYPE lines are skipped.
 */
final class MetricsText {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** One sample: its name, labels and value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final String source;
    private final String text;
    private final List<Sample> samples;

    private MetricsText(String source, String text, List<Sample> samples) {
        this.source = source;
        this.text = text;
        this.samples = samples;
    }

    /** GETs {@code url} (5 s timeouts) and parses it; fails on any status but 200. */
    static MetricsText scrape(URI url) throws IOException, InterruptedException {
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + url + ": HTTP " + response.statusCode() + " (expected: 200)\n" + response.body());
        }
        return parse(url.toString(), response.body());
    }

    /** Parses a scrape's text; {@code source} names it in messages. */
    static MetricsText parse(String source, String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException(source + ": not a sample line: '" + line + "'");
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), Map.copyOf(labels), Double.parseDouble(m.group(3))));
        }
        return new MetricsText(source, text, List.copyOf(samples));
    }

    /** The sample names (e.g. {@code chainrule_step_seconds_count}), sorted. */
    Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    /** The samples named {@code name}. */
    List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The sum of the samples named {@code name} whose labels include {@code labels} (key, value, ...); empty if none. */
    OptionalDouble sum(String name, String... labels) {
        List<Sample> matching = samples(name).stream().filter(s -> {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    return false;
                }
            }
            return true;
        }).toList();
        return matching.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(matching.stream().mapToDouble(Sample::value).sum());
    }

    /** The value of {@code name} (summed over its samples), or a failure naming the scrape. */
    double value(String name) {
        return sum(name).orElseThrow(() -> new AssertionError(name + " is not in the scrape of " + source + ":\n" + text));
    }

    /** The scrape as served, for assertion messages. */
    String text() {
        return text;
    }

    @Override
    public String toString() {
        return source;
    }
}
