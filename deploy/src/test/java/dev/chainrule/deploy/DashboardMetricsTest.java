package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard (deploy/grafana/dashboards/chainrule.json) against what real processes export:
 * a coordinator and a worker train on loopback, both are scraped, and every metric name in every
 * panel's PromQL (and the run variable's query) must be among the scraped sample names, and every
 * label a query matches or groups by must be on that metric.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DashboardMetricsTest {
    private static final Path DASHBOARD = Repository.deploy().resolve("grafana/dashboards/chainrule.json");
    /** Labels Prometheus adds to every scraped series: not the services' business. */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool",
            "and", "or", "unless", "offset", "inf", "nan");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w$.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w(]|\\s*\\()");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*(\\w+)\\s*\\)");

    @TempDir
    Path dir;

    @Test
    void everyDashboardQueryNamesOnlyMetricsAndLabelsThatACoordinatorAndAWorkerExport() throws Exception {
        Map<String, String> queries = queries();
        assertTrue(queries.size() >= 10, "the dashboard's queries: " + queries);

        Map<String, List<MetricsText.Sample>> exported = new LinkedHashMap<>();
        try (LocalCluster cluster = LocalCluster.start(dir, 1)) {
            // past a few steps every lazily made meter (per-worker bytes and lateness) exists
            cluster.awaitSteps(5, Duration.ofSeconds(60));
            for (MetricsText scrape : List.of(cluster.scrapeCoordinator(), cluster.scrapeWorker(0))) {
                for (String name : scrape.names()) {
                    exported.computeIfAbsent(name, n -> new ArrayList<>()).addAll(scrape.samples(name));
                }
            }
        }

        List<String> problems = new ArrayList<>();
        queries.forEach((where, query) -> {
            Set<String> names = metricNames(query);
            if (names.isEmpty()) {
                problems.add(where + ": names no metric: " + query);
            }
            for (String name : names) {
                if (!exported.containsKey(name)) {
                    problems.add(where + ": " + name + " is not exported (query: " + query + ")");
                    continue;
                }
                for (String label : labelNames(query)) {
                    if (!TARGET_LABELS.contains(label) && exported.get(name).stream().noneMatch(s -> s.labels().containsKey(label))) {
                        problems.add(where + ": " + name + " has no label '" + label + "' (query: " + query + ")");
                    }
                }
            }
        });
        assertTrue(problems.isEmpty(), String.join("\n", problems) + "\nexported: " + exported.keySet());
    }

    @Test
    void metricNamesAreTheSelectorsOfAQueryNotItsFunctionsLabelsOrVariables() {
        assertEquals(Set.of("a_seconds_sum", "a_seconds_count"), metricNames(
                "sum by (worker) (rate(a_seconds_sum{run=~\"$run\"}[$__rate_interval])) / sum by (worker)"
                        + " (rate(a_seconds_count{run=~\"$run\", x=\"sum(y)\"}[5m]))"));
        assertEquals(Set.of("up", "b:rule"), metricNames("max without (job) (up offset 5m) > bool 0 or on (x) b:rule"));
        assertEquals(Set.of("chainrule_steps_total"), metricNames("label_values(chainrule_steps_total, run)"));
        assertEquals(Set.of("run", "worker", "x", "job"), labelNames(
                "sum by (worker) (a{run=~\"$run\", x!=\"1\"}) / max without (job) (b)"));
        assertEquals(Set.of("run"), labelNames("label_values(chainrule_steps_total, run)"));
    }

    /** The metric names a PromQL expression selects: what is left once strings, matchers, ranges, groupings and calls are gone. */
    static Set<String> metricNames(String query) {
        Matcher labelValues = LABEL_VALUES.matcher(query);
        if (labelValues.matches()) {
            return Set.of(labelValues.group(1));
        }
        String bare = GROUPING.matcher(RANGE.matcher(MATCHERS.matcher(STRING.matcher(query).replaceAll("\"\""))
                .replaceAll("")).replaceAll("")).replaceAll("");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            String word = m.group(1);
            if (!KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT)) && !word.matches("\\d.*|[smhdwy]")) {
                names.add(word);
            }
        }
        return names;
    }

    /** The label names a PromQL expression matches on ({@code {label=...}}) or groups by. */
    static Set<String> labelNames(String query) {
        Set<String> labels = new TreeSet<>();
        Matcher labelValues = LABEL_VALUES.matcher(query);
        if (labelValues.matches()) {
            labels.add(labelValues.group(2));
            return labels;
        }
        String noStrings = STRING.matcher(query).replaceAll("\"\"");
        Matcher matchers = MATCHERS.matcher(noStrings);
        while (matchers.find()) {
            Matcher label = Pattern.compile("([a-zA-Z_]\\w*)\\s*(?:=~|!~|!=|=)").matcher(matchers.group());
            while (label.find()) {
                labels.add(label.group(1));
            }
        }
        Matcher grouping = GROUPING.matcher(noStrings);
        while (grouping.find()) {
            for (String label : grouping.group(1).split(",")) {
                if (!label.isBlank()) {
                    labels.add(label.strip());
                }
            }
        }
        return labels;
    }

    /** Every PromQL query of the dashboard: panels' (nested rows included) {@code expr}s and the variables' queries, by where they are. */
    private static Map<String, String> queries() throws IOException {
        Map<String, Object> dashboard = Yamls.document(Files.readString(DASHBOARD), DASHBOARD.toString());
        Map<String, String> queries = new LinkedHashMap<>();
        collect(dashboard, "dashboard", queries);
        for (Map<String, Object> variable : Yamls.mapsAt(dashboard, "templating.list")) {
            if ("query".equals(variable.get("type"))) {
                Object query = variable.get("query");
                String text = query instanceof Map<?, ?> m ? String.valueOf(m.get("query")) : String.valueOf(query);
                queries.put("variable " + variable.get("name"), text);
            }
        }
        assertFalse(queries.isEmpty(), DASHBOARD + " has no queries");
        return queries;
    }

    private static void collect(Object node, String where, Map<String, String> queries) {
        if (node instanceof Map<?, ?> map) {
            String here = map.get("title") instanceof String title ? where + " > " + title : where;
            map.forEach((key, value) -> {
                if ("expr".equals(key) && value instanceof String expr) {
                    queries.put("#" + (queries.size() + 1) + " " + here + " [" + map.get("refId") + "]", expr);
                } else {
                    collect(value, here, queries);
                }
            });
        } else if (node instanceof List<?> list) {
            list.forEach(item -> collect(item, where, queries));
        }
    }
}
