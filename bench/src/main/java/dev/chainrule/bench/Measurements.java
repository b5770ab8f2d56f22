package dev.chainrule.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The timed windows of every framework and configuration; a configuration's figure is the median of
 * its windows. Not thread-safe.
 */
final class Measurements {
    /** A configuration's median and the thread count it was measured with. */
    record Best(double value, int threads) {
    }

    private final Map<Framework, Map<Config, List<Double>>> windows = new EnumMap<>(Framework.class);

    /** Records one window's value; NaN (not measured) is ignored. */
    void add(Framework framework, Config config, double value) {
        if (!Double.isNaN(value)) {
            windows.computeIfAbsent(framework, f -> new HashMap<>()).computeIfAbsent(config, c -> new ArrayList<>()).add(value);
        }
    }

    /** The median of the configuration's windows, empty when none was recorded. */
    OptionalDouble median(Framework framework, Config config) {
        List<Double> values = windows.getOrDefault(framework, Map.of()).get(config);
        return values == null ? OptionalDouble.empty() : OptionalDouble.of(median(values));
    }

    /** The highest median over the given thread counts, with its thread count; the fewest threads on a tie. */
    Best best(Framework framework, Metric metric, int size, List<Integer> threads) {
        Best best = new Best(Double.NaN, 0);
        for (int t : threads) {
            OptionalDouble value = median(framework, new Config(metric, size, t));
            if (value.isPresent() && (Double.isNaN(best.value()) || value.getAsDouble() > best.value())) {
                best = new Best(value.getAsDouble(), t);
            }
        }
        return best;
    }

    /** The median of non-empty {@code values}: the middle one, or the mean of the two middle ones. */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
