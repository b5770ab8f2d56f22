package dev.chainrule.optim;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the fixtures that {@code tools/oracle/make_optim_fixtures.py} writes into the test resources
 * folder {@code optim/}: one {@code <case>.txt} per optimiser run and {@code lr_schedules.txt}. The
 * format is described in that script's docstring.
 */
final class OptimFixtures {
    static final String FOLDER = "optim";
    static final String SCHEDULES = "lr_schedules";

    private OptimFixtures() {
    }

    /** A row-major array with its dimensions (none for a scalar). */
    record Array(int[] dims, double[] values) {
        Tensor toTensor(DType dtype) {
            return Tensor.of(values, dims).to(dtype);
        }
    }

    /** One torch run: per step the lr, the gradients and the parameters after it; the final optimiser state. */
    record Run(String name, DType dtype, String optimizer, OptimizerSettings settings, String scheduleKind,
               double baseRate, long totalSteps, Map<String, Array> initial, List<Double> rates,
               List<Map<String, Array>> gradients, List<Map<String, Array>> after, Map<String, Array> state) {
        int steps() {
            return rates.size();
        }
    }

    /** The rates torch's scheduler set for steps 0, 1, ... */
    record Schedule(String kind, double baseRate, long tMax, double[] rates) {
        @Override
        public String toString() {
            return kind + "(base " + baseRate + ", T_max " + tMax + ")";
        }
    }

    /** The names of the optimiser runs in the fixtures folder, sorted. */
    static List<String> runNames() {
        try (Stream<Path> files = Files.list(folder())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".txt"))
                    .map(f -> f.substring(0, f.length() - ".txt".length()))
                    .filter(n -> !n.equals(SCHEDULES))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads and parses {@code optim/<name>.txt}. */
    static Run loadRun(String name) {
        List<String[]> records = records(name);
        String caseName = null;
        DType dtype = null;
        String optimizer = null;
        Map<String, Double> settings = new LinkedHashMap<>();
        String scheduleKind = null;
        double baseRate = Double.NaN;
        long totalSteps = -1;
        Map<String, Array> initial = new LinkedHashMap<>();
        List<Double> rates = new ArrayList<>();
        List<Map<String, Array>> gradients = new ArrayList<>();
        List<Map<String, Array>> after = new ArrayList<>();
        Map<String, Array> state = new LinkedHashMap<>();
        for (String[] t : records) {
            String where = name + ": '" + t[0] + "' record";
            switch (t[0]) {
                case "case" -> caseName = t[1];
                case "dtype" -> dtype = DType.valueOf(t[1].toUpperCase());
                case "optimizer" -> optimizer = t[1];
                case "setting" -> settings.put(t[1], Double.parseDouble(t[2]));
                case "schedule" -> {
                    scheduleKind = t[1];
                    baseRate = Double.parseDouble(t[2]);
                    totalSteps = Long.parseLong(t[3]);
                }
                case "param" -> initial.put(t[1], array(where, t, 2));
                case "lr" -> {
                    expectStep(where, Integer.parseInt(t[1]), rates.size());
                    rates.add(Double.parseDouble(t[2]));
                    gradients.add(new LinkedHashMap<>());
                    after.add(new LinkedHashMap<>());
                }
                case "grad" -> gradients.get(currentStep(where, t[1], rates.size())).put(t[2], array(where, t, 3));
                case "after" -> after.get(currentStep(where, t[1], rates.size())).put(t[2], array(where, t, 3));
                case "state" -> state.put(t[1], array(where, t, 2));
                default -> throw new IllegalArgumentException(where + ": unknown record kind");
            }
        }
        if (caseName == null || dtype == null || optimizer == null || scheduleKind == null) {
            throw new IllegalArgumentException(name + ": missing case, dtype, optimizer or schedule record");
        }
        OptimizerSettings s = new OptimizerSettings(settings.get("momentum"), settings.get("beta1"),
                settings.get("beta2"), settings.get("eps"), settings.get("weight_decay"));
        return new Run(caseName, dtype, optimizer, s, scheduleKind, baseRate, totalSteps, initial, rates, gradients,
                after, state);
    }

    /** Reads {@code optim/lr_schedules.txt}. */
    static List<Schedule> loadSchedules() {
        List<Schedule> out = new ArrayList<>();
        for (String[] t : records(SCHEDULES)) {
            if (!t[0].equals("schedule")) {
                throw new IllegalArgumentException(SCHEDULES + ": unknown record kind '" + t[0] + "'");
            }
            int count = Integer.parseInt(t[4]);
            if (t.length != 5 + count) {
                throw new IllegalArgumentException(SCHEDULES + ": " + (t.length - 5) + " rates (expected: " + count + ")");
            }
            double[] rates = new double[count];
            for (int i = 0; i < count; i++) {
                rates[i] = Double.parseDouble(t[5 + i]);
            }
            out.add(new Schedule(t[1], Double.parseDouble(t[2]), Long.parseLong(t[3]), rates));
        }
        return out;
    }

    private static void expectStep(String where, int step, int expected) {
        if (step != expected) {
            throw new IllegalArgumentException(where + ": step " + step + " (expected: " + expected + ")");
        }
    }

    private static int currentStep(String where, String token, int stepsSoFar) {
        int step = Integer.parseInt(token);
        expectStep(where, step, stepsSoFar - 1);
        return step;
    }

    /** {@code <shape> <values...>} from token {@code from} on. */
    private static Array array(String where, String[] t, int from) {
        int[] dims = t[from].equals("scalar") ? new int[0]
                : Arrays.stream(t[from].split("x")).mapToInt(Integer::parseInt).toArray();
        int size = Shape.of(dims).size();
        if (t.length - from - 1 != size) {
            throw new IllegalArgumentException(where + ": " + (t.length - from - 1) + " values for shape " + t[from]
                    + " (expected: " + size + ")");
        }
        double[] values = new double[size];
        for (int i = 0; i < size; i++) {
            values[i] = Double.parseDouble(t[from + 1 + i]);
        }
        return new Array(dims, values);
    }

    private static List<String[]> records(String name) {
        try {
            return Files.readAllLines(folder().resolve(name + ".txt"), StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .map(l -> l.split("\\s+"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path folder() {
        URL url = OptimFixtures.class.getClassLoader().getResource(FOLDER);
        if (url == null) {
            throw new IllegalStateException("test resource folder '" + FOLDER + "' is not on the class path");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
