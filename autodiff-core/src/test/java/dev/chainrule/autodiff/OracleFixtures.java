package dev.chainrule.autodiff;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the oracle fixtures that {@code tools/oracle/make_fixtures.py} writes into the test
 * resources folder {@code oracle/}, one {@code <case>.txt} per case. The format is described in that
 * script and in {@code oracle/README.md}: after {@code case <name>}, one line per tensor,
 * {@code <kind> <name> <shape> <values...>}.
 */
final class OracleFixtures {
    static final String FOLDER = "oracle";

    private OracleFixtures() {
    }

    /** A row-major array of doubles with its dimensions (none for a scalar). */
    record Array(int[] dims, double[] values) {
        Tensor toTensor() {
            return Tensor.of(values, dims);
        }

        String shape() {
            return Arrays.toString(dims);
        }
    }

    /**
     * One case: the inputs that require grad, the constants, the integer labels, the reduction
     * weight (null when the output is a scalar), the expected output and the expected gradient of
     * every input. Maps keep the file's order.
     */
    record Fixture(String name, Map<String, Array> inputs, Map<String, Array> constants, Map<String, int[]> labels,
                   Array weight, Array output, Map<String, Array> grads) {
    }

    /** The names of the cases in the fixtures folder, sorted. */
    static List<String> caseNames() {
        try (Stream<Path> files = Files.list(folder())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".txt"))
                    .map(f -> f.substring(0, f.length() - ".txt".length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads and parses {@code oracle/<name>.txt}. */
    static Fixture load(String name) {
        Path file = folder().resolve(name + ".txt");
        try {
            return parse(name + ".txt", Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a fixture's lines; {@code source} names the file in error messages. */
    static Fixture parse(String source, List<String> lines) {
        String name = null;
        Map<String, Array> inputs = new LinkedHashMap<>();
        Map<String, Array> constants = new LinkedHashMap<>();
        Map<String, int[]> labels = new LinkedHashMap<>();
        Map<String, Array> grads = new LinkedHashMap<>();
        Array weight = null;
        Array output = null;
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + ":" + (n + 1);
            String[] tokens = line.split("\\s+");
            if (name == null) {
                if (!tokens[0].equals("case") || tokens.length != 2) {
                    throw new IllegalArgumentException(where + ": expected 'case <name>' first, found '" + tokens[0] + "'");
                }
                name = tokens[1];
                continue;
            }
            if (tokens.length < 3) {
                throw new IllegalArgumentException(where + ": expected '<kind> <name> <shape> <values...>'");
            }
            String kind = tokens[0];
            String key = tokens[1];
            int[] dims = parseShape(where, tokens[2]);
            int size = Shape.of(dims).size();
            if (tokens.length - 3 != size) {
                throw new IllegalArgumentException(where + ": " + (tokens.length - 3) + " values for shape " + tokens[2]
                        + " (expected: " + size + ")");
            }
            if (kind.equals("labels")) {
                int[] values = new int[size];
                for (int i = 0; i < size; i++) {
                    values[i] = Integer.parseInt(tokens[3 + i]);
                }
                putOnce(where, labels, key, values);
                continue;
            }
            double[] values = new double[size];
            for (int i = 0; i < size; i++) {
                values[i] = Double.parseDouble(tokens[3 + i]);
            }
            Array array = new Array(dims, values);
            switch (kind) {
                case "input" -> putOnce(where, inputs, key, array);
                case "const" -> putOnce(where, constants, key, array);
                case "grad" -> putOnce(where, grads, key, array);
                case "weight" -> {
                    requireAbsent(where, weight, kind);
                    weight = array;
                }
                case "output" -> {
                    requireAbsent(where, output, kind);
                    output = array;
                }
                default -> throw new IllegalArgumentException(where + ": unknown record kind '" + kind
                        + "' (expected: input, const, labels, weight, output or grad)");
            }
        }
        if (name == null || output == null) {
            throw new IllegalArgumentException(source + ": no " + (name == null ? "'case'" : "'output'") + " record");
        }
        return new Fixture(name, inputs, constants, labels, weight, output, grads);
    }

    private static int[] parseShape(String where, String token) {
        if (token.equals("scalar")) {
            return new int[0];
        }
        try {
            return Arrays.stream(token.split("x")).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": bad shape '" + token + "' (expected: e.g. 8x5 or scalar)", e);
        }
    }

    private static <V> void putOnce(String where, Map<String, V> map, String key, V value) {
        if (map.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException(where + ": '" + key + "' appears twice");
        }
    }

    private static void requireAbsent(String where, Array previous, String kind) {
        if (previous != null) {
            throw new IllegalArgumentException(where + ": a second '" + kind + "' record");
        }
    }

    private static Path folder() {
        URL url = OracleFixtures.class.getClassLoader().getResource(FOLDER);
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
