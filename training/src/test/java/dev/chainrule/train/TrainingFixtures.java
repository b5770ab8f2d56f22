package dev.chainrule.train;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the fixtures that {@code tools/oracle/make_training_fixtures.py} writes into the test
 * resources folder {@code training/}: {@code setup.txt} (the model, the training samples and the
 * initial weights) and one {@code <run>.txt} per PyTorch training run. The format is described in
 * that script's docstring.
 */
final class TrainingFixtures {
    static final String FOLDER = "training";
    static final String SETUP = "setup";

    private TrainingFixtures() {
    }

    /** A row-major float32 array with its dimensions. */
    record Array(int[] dims, float[] values) {
        Tensor toTensor() {
            return Tensor.of(values, dims);
        }
    }

    /** The model's widths, the training samples in file order and the initial weights by name. */
    record Setup(ModelSpec spec, float[] features, int[] labels, Map<String, Array> initial) {
        int samples() {
            return labels.length;
        }
    }

    /** One optimiser step of a torch run: its epoch, the rate torch used, the batch's mean loss and its samples. */
    record Step(int step, long epoch, double rate, double loss, int[] indices) {
    }

    /** One torch training run: how it was configured, every step, and the weights after the last one. */
    record Run(String name, String optimizer, Activation activation, OptimizerSettings settings, String scheduleKind,
               double baseRate, int batchSize, int epochs, long stepsSetting, boolean shuffle, long seed,
               List<Step> steps, Map<String, Array> finals) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The names of the training runs in the fixtures folder (every {@code *.txt} but the setup), sorted. */
    static List<String> runNames() {
        try (Stream<Path> files = Files.list(folder())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".txt"))
                    .map(f -> f.substring(0, f.length() - ".txt".length()))
                    .filter(n -> !n.equals(SETUP))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads and parses {@code training/setup.txt}. */
    static Setup loadSetup() {
        ModelSpec spec = null;
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        Map<String, Array> initial = new LinkedHashMap<>();
        for (String[] t : records(SETUP)) {
            String where = SETUP + ": '" + t[0] + "' record";
            switch (t[0]) {
                case "model" -> spec = ModelSpec.parse(t[1]);
                case "sample" -> {
                    labels.add(Integer.parseInt(t[1]));
                    rows.add(floats(where, t, 2, t.length - 2));
                }
                case "param" -> initial.put(t[1], array(where, t, 2));
                default -> throw new IllegalArgumentException(where + ": unknown record kind");
            }
        }
        if (spec == null || rows.isEmpty()) {
            throw new IllegalArgumentException(SETUP + ": missing model or sample records");
        }
        int width = spec.inputs();
        float[] features = new float[rows.size() * width];
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).length != width) {
                throw new IllegalArgumentException(SETUP + ": sample " + i + " has " + rows.get(i).length
                        + " features (expected: " + width + ", the model's input width)");
            }
            System.arraycopy(rows.get(i), 0, features, i * width, width);
        }
        return new Setup(spec, features, labels.stream().mapToInt(Integer::intValue).toArray(), initial);
    }

    /** Reads and parses {@code training/<name>.txt}. */
    static Run loadRun(String name) {
        String runName = null;
        String optimizer = null;
        Activation activation = null;
        Map<String, Double> settings = new LinkedHashMap<>();
        String scheduleKind = null;
        double baseRate = Double.NaN;
        int batchSize = -1;
        int epochs = -1;
        long stepsSetting = -1;
        Boolean shuffle = null;
        long seed = 0;
        List<Step> steps = new ArrayList<>();
        Map<String, Array> finals = new LinkedHashMap<>();
        for (String[] t : records(name)) {
            String where = name + ": '" + t[0] + "' record";
            switch (t[0]) {
                case "run" -> runName = t[1];
                case "optimizer" -> optimizer = t[1];
                case "activation" -> activation = Activation.parse(t[1]);
                case "setting" -> settings.put(t[1], Double.parseDouble(t[2]));
                case "schedule" -> {
                    scheduleKind = t[1];
                    baseRate = Double.parseDouble(t[2]);
                }
                case "batch_size" -> batchSize = Integer.parseInt(t[1]);
                case "epochs" -> epochs = Integer.parseInt(t[1]);
                case "steps" -> stepsSetting = Long.parseLong(t[1]);
                case "shuffle" -> {
                    shuffle = Boolean.parseBoolean(t[1]);
                    seed = Long.parseLong(t[2]);
                }
                case "step" -> {
                    int step = Integer.parseInt(t[1]);
                    if (step != steps.size()) {
                        throw new IllegalArgumentException(where + ": step " + step + " (expected: " + steps.size() + ")");
                    }
                    int[] indices = Arrays.stream(t, 5, t.length).mapToInt(Integer::parseInt).toArray();
                    steps.add(new Step(step, Long.parseLong(t[2]), Double.parseDouble(t[3]), Double.parseDouble(t[4]),
                            indices));
                }
                case "final" -> finals.put(t[1], array(where, t, 2));
                default -> throw new IllegalArgumentException(where + ": unknown record kind");
            }
        }
        if (runName == null || optimizer == null || activation == null || scheduleKind == null || batchSize < 0
                || epochs < 0 || stepsSetting < 0 || shuffle == null || steps.isEmpty() || finals.isEmpty()) {
            throw new IllegalArgumentException(name + ": missing run, optimizer, activation, schedule, batch_size, epochs,"
                    + " steps, shuffle, step or final records");
        }
        if (!runName.equals(name)) {
            throw new IllegalArgumentException(name + ".txt holds run '" + runName + "' (expected: '" + name + "')");
        }
        OptimizerSettings s = new OptimizerSettings(setting(name, settings, "momentum"), setting(name, settings, "beta1"),
                setting(name, settings, "beta2"), setting(name, settings, "eps"), setting(name, settings, "weight_decay"));
        return new Run(runName, optimizer, activation, s, scheduleKind, baseRate, batchSize, epochs, stepsSetting,
                shuffle, seed, List.copyOf(steps), finals);
    }

    private static double setting(String run, Map<String, Double> settings, String key) {
        Double value = settings.get(key);
        if (value == null) {
            throw new IllegalArgumentException(run + ": no 'setting " + key + "' record");
        }
        return value;
    }

    /** {@code <shape> <values...>} from token {@code from} on. */
    private static Array array(String where, String[] t, int from) {
        int[] dims = Arrays.stream(t[from].split("x")).mapToInt(Integer::parseInt).toArray();
        int size = Shape.of(dims).size();
        if (t.length - from - 1 != size) {
            throw new IllegalArgumentException(where + ": " + (t.length - from - 1) + " values for shape " + t[from]
                    + " (expected: " + size + ")");
        }
        return new Array(dims, floats(where, t, from + 1, size));
    }

    /** {@code count} float32 values from token {@code from} on; each must be exactly a float. */
    private static float[] floats(String where, String[] t, int from, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            double v = Double.parseDouble(t[from + i]);
            values[i] = (float) v;
            if (values[i] != v) {
                throw new IllegalArgumentException(where + ": value " + i + ", " + t[from + i] + ", is not a float32");
            }
        }
        return values;
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
        URL url = TrainingFixtures.class.getClassLoader().getResource(FOLDER);
        if (url == null) {
            throw new IllegalStateException("test resource folder '" + FOLDER + "' is not on the class path");
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                openJar(uri);
            }
            return Path.of(uri);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Makes a {@code jar:} URI readable as a path (the fixtures inside training's test-jar, for other modules' tests). */
    private static synchronized void openJar(URI uri) {
        try {
            FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
            // opened by an earlier call
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + uri, e);
        }
    }
}
