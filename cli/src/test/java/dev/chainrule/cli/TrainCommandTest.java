package dev.chainrule.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.nn.Activation;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.weights.ModelWeights;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code chainrule train} in-process on small CSV files, capturing stdout and stderr. */
class TrainCommandTest {
    /** One epoch line of the plain (non-terminal) progress. */
    static final Pattern EPOCH_LINE = Pattern.compile(
            "epoch (\\d+)  step (\\d+)  train loss (\\d+\\.\\d{4})  test loss (\\d+\\.\\d{4})  test accuracy (\\d+\\.\\d{2})%");
    static final Pattern DONE_LINE = Pattern.compile(
            "done: (\\d+) steps in \\d+\\.\\d s \\([\\d,]+ samples/s\\); test loss (\\d+\\.\\d{4}), test accuracy (\\d+\\.\\d{2})%");

    @TempDir
    Path dir;
    Path train;
    Path test;

    /** What one run printed and returned. */
    record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * A CSV file with a header and {@code n} samples of {@code classes} Gaussian blobs in
     * {@code width} dimensions (class c centred at 3 on axis c mod width, σ = 0.8); labels cycle.
     */
    static Path blobsCsv(Path file, int n, int width, int classes, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder csv = new StringBuilder("label");
        for (int j = 1; j <= width; j++) {
            csv.append(",f").append(j);
        }
        csv.append('\n');
        for (int i = 0; i < n; i++) {
            int label = i % classes;
            csv.append(label);
            for (int j = 0; j < width; j++) {
                double centre = j == label % width ? 3 : 0;
                csv.append(',').append(String.format(Locale.ROOT, "%.5f", centre + 0.8 * random.nextGaussian()));
            }
            csv.append('\n');
        }
        return Files.writeString(file, csv);
    }

    @BeforeEach
    void writeData() throws IOException {
        train = blobsCsv(dir.resolve("train.csv"), 120, 4, 3, 1);
        test = blobsCsv(dir.resolve("test.csv"), 60, 4, 3, 2);
    }

    /** The arguments of a small run on the blobs, with {@code more} added or replacing the defaults. */
    String[] args(String... more) {
        List<String> given = List.of(more);
        List<String> all = new ArrayList<>(List.of("train", "--train", train.toString(), "--test", test.toString()));
        String[][] defaults = {{"--model", "4-8-3"}, {"--epochs", "3"}, {"--batch", "16"}};
        for (String[] option : defaults) {
            if (!given.contains(option[0])) {
                all.addAll(List.of(option));
            }
        }
        all.addAll(given);
        return all.toArray(new String[0]);
    }

    /** The flat {"key": number, ...} object of a metrics file, in key order; fails unless it is exactly one. */
    static LinkedHashMap<String, Double> metrics(Path file) throws IOException {
        String text = Files.readString(file);
        assertTrue(text.endsWith("\n"), "ends with a newline");
        List<String> lines = text.lines().toList();
        assertEquals(1, lines.size(), "one line: " + text);
        String json = lines.get(0).strip();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertEquals(1, json.chars().filter(c -> c == '{').count(), "one flat object: " + json);
        assertEquals(1, json.chars().filter(c -> c == '}').count(), "one flat object: " + json);
        LinkedHashMap<String, Double> values = new LinkedHashMap<>();
        String body = json.substring(1, json.length() - 1);
        Pattern pair = Pattern.compile("\\s*\"([a-z_]+)\"\\s*:\\s*(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)\\s*");
        for (String member : body.split(",")) {
            Matcher m = pair.matcher(member);
            assertTrue(m.matches(), "not a \"key\": number member: '" + member + "' in " + json);
            assertEquals(null, values.put(m.group(1), Double.parseDouble(m.group(2))), "duplicate key " + m.group(1));
        }
        return values;
    }

    @Test
    void trainsPrintingAHeaderALinePerEpochAndTheFinalLine() {
        Path weights = dir.resolve("w.safetensors");
        Run run = run(args("--save", weights.toString()));
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err());
        List<String> lines = run.outLines();
        assertEquals(6, lines.size(), run.out());
        assertTrue(lines.get(0).startsWith("training 4-8-3 relu, adam lr 0.001 (cosine), batch 16, "), lines.get(0));
        assertTrue(lines.get(0).contains(" 24 steps (3.00 epochs) on 120 samples from CSV " + train + " / " + test), lines.get(0));
        // 120 samples in batches of 16: 8 steps per epoch (the last of 8 samples)
        for (int epoch = 1; epoch <= 3; epoch++) {
            Matcher m = EPOCH_LINE.matcher(lines.get(epoch));
            assertTrue(m.matches(), lines.get(epoch));
            assertEquals(epoch, Integer.parseInt(m.group(1)));
            assertEquals(8 * epoch, Integer.parseInt(m.group(2)));
            double accuracy = Double.parseDouble(m.group(5));
            assertTrue(accuracy >= 0 && accuracy <= 100, lines.get(epoch));
        }
        Matcher done = DONE_LINE.matcher(lines.get(4));
        assertTrue(done.matches(), lines.get(4));
        assertEquals("24", done.group(1));
        Matcher last = EPOCH_LINE.matcher(lines.get(3));
        assertTrue(last.matches());
        assertEquals(last.group(4), done.group(2), "final test loss is the last epoch's");
        assertEquals(last.group(5), done.group(3), "final test accuracy is the last epoch's");
        assertEquals("saved weights to " + weights, lines.get(5));
    }

    @Test
    void metricsFileIsExactlyOneJsonObjectWithTheRunsFigures() throws IOException {
        Path metricsFile = dir.resolve("run.json");
        Run run = run(args("--metrics-out", metricsFile.toString(), "--lr", "0.01"));
        assertEquals(0, run.exitCode(), run.err());
        LinkedHashMap<String, Double> m = metrics(metricsFile);
        assertEquals(List.of("steps", "epochs", "train_loss", "test_accuracy", "wall_seconds", "samples_per_second"),
                new ArrayList<>(m.keySet()));
        assertEquals(24, m.get("steps"), 0);
        assertEquals(3, m.get("epochs"), 0);
        double accuracy = m.get("test_accuracy");
        assertTrue(accuracy >= 0 && accuracy <= 1, "test_accuracy " + accuracy);
        assertTrue(m.get("train_loss") > 0, "train_loss " + m.get("train_loss"));
        assertTrue(m.get("wall_seconds") >= 0);
        assertTrue(m.get("samples_per_second") > 0);
        Matcher done = DONE_LINE.matcher(run.outLines().get(run.outLines().size() - 1));
        assertTrue(done.matches(), run.out());
        assertEquals(100 * accuracy, Double.parseDouble(done.group(3)), 0.005 + 1e-9, "the printed accuracy is the metrics' accuracy");
    }

    @Test
    void learnsTheBlobs() throws IOException {
        Path metricsFile = dir.resolve("long.json");
        Run run = run(args("--metrics-out", metricsFile.toString(), "--epochs", "30", "--lr", "0.01"));
        assertEquals(0, run.exitCode(), run.err());
        LinkedHashMap<String, Double> m = metrics(metricsFile);
        assertEquals(240, m.get("steps"), 0);
        assertTrue(m.get("test_accuracy") >= 0.9, "test_accuracy " + m.get("test_accuracy"));
        assertTrue(m.get("train_loss") < 0.3, "train_loss " + m.get("train_loss"));
    }

    @Test
    void twoIdenticalRunsSaveByteIdenticalWeights() throws IOException {
        Path first = dir.resolve("first.safetensors");
        Path second = dir.resolve("second.safetensors");
        Path otherSeed = dir.resolve("other-seed.safetensors");
        assertEquals(0, run(args("--save", first.toString())).exitCode());
        assertEquals(0, run(args("--save", second.toString())).exitCode());
        assertEquals(0, run(args("--save", otherSeed.toString(), "--seed", "7")).exitCode());
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
        assertFalse(Arrays.equals(Files.readAllBytes(first), Files.readAllBytes(otherSeed)), "--seed changes the weights");
    }

    @Test
    void savedWeightsRecordTheModelAndActivation() throws IOException {
        Path weights = dir.resolve("tanh.safetensors");
        Run run = run(args("--save", weights.toString(), "--activation", "tanh"));
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(ModelSpec.of(4, 8, 3), ModelWeights.specOf(weights));
        assertEquals(Activation.TANH, ModelWeights.activationOf(weights));
        assertTrue(run.outLines().get(0).startsWith("training 4-8-3 tanh, "), run.outLines().get(0));
    }

    @Test
    void initStartsFromTheSavedWeights() throws IOException {
        Path start = dir.resolve("start.safetensors");
        assertEquals(0, run(args("--save", start.toString())).exitCode());
        // with a zero learning rate nothing moves: the saved file is the --init file, byte for byte
        Path unchanged = dir.resolve("unchanged.safetensors");
        Run run = run(args("--init", start.toString(), "--lr", "0", "--seed", "99", "--save", unchanged.toString()));
        assertEquals(0, run.exitCode(), run.err());
        assertArrayEquals(Files.readAllBytes(start), Files.readAllBytes(unchanged));
        // and training from it continues from there: the seed no longer matters without shuffling
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        assertEquals(0, run(args("--init", start.toString(), "--no-shuffle", "--seed", "1", "--save", a.toString())).exitCode());
        assertEquals(0, run(args("--init", start.toString(), "--no-shuffle", "--seed", "2", "--save", b.toString())).exitCode());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(Arrays.equals(Files.readAllBytes(start), Files.readAllBytes(a)));
    }

    @Test
    void misShapedInitFileExits2NamingTheFileAndTheProblem() throws IOException {
        Path start = dir.resolve("start.safetensors");
        assertEquals(0, run(args("--save", start.toString())).exitCode());
        Path saved = dir.resolve("never.safetensors");
        Run run = run(args("--model", "4-6-3", "--init", start.toString(), "--save", saved.toString()));
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("error: " + start), run.err());
        assertTrue(run.err().contains("\"fc1.weight\" has shape [8, 4] (expected: [6, 4])"), run.err());
        assertTrue(run.err().contains("\"fc2.weight\" has shape [3, 8] (expected: [3, 6])"), run.err());
        assertFalse(Files.exists(saved));
        assertEquals("", run.out());
    }

    @Test
    void missingInitFileExits2NamingIt() {
        Path missing = dir.resolve("missing.safetensors");
        Run run = run(args("--init", missing.toString()));
        assertEquals(2, run.exitCode(), "a missing --init file is invalid input: " + run.err());
        assertTrue(run.err().startsWith("error: "), run.err());
        assertTrue(run.err().contains(missing.toString()), run.err());
        assertFalse(run.err().contains("--verbose"), run.err());
    }

    @Test
    void stepsOverrideEpochs() throws IOException {
        Path metricsFile = dir.resolve("steps.json");
        Run run = run(args("--steps", "5", "--metrics-out", metricsFile.toString()));
        assertEquals(0, run.exitCode(), run.err());
        LinkedHashMap<String, Double> m = metrics(metricsFile);
        assertEquals(5, m.get("steps"), 0);
        assertEquals(5.0 / 8, m.get("epochs"), 1e-12);
        assertTrue(run.outLines().get(0).contains(", 5 steps (0.63 epochs) on 120 samples"), run.outLines().get(0));
        List<String> epochLines = run.outLines().stream().filter(l -> EPOCH_LINE.matcher(l).matches()).toList();
        assertEquals(1, epochLines.size(), run.out());
        assertTrue(epochLines.get(0).startsWith("epoch 1  step 5  "), epochLines.get(0));
    }

    @Test
    void everyThreadCountSavesTheSameFile() throws IOException {
        byte[] first = null;
        for (int threads : new int[] {1, 2, 3}) {
            for (String shards : new String[] {null, "3"}) {
                Path weights = dir.resolve("threads-" + threads + "-" + shards + ".safetensors");
                String[] options = shards == null ? args("--threads", Integer.toString(threads), "--save", weights.toString())
                        : args("--threads", Integer.toString(threads), "--shards", shards, "--save", weights.toString());
                Run run = run(options);
                assertEquals(0, run.exitCode(), run.err());
                if (shards == null) {
                    assertTrue(run.outLines().get(0).contains(", 2 shards in this process" + (threads == 1 ? ", " : ", 2 at a time, ")),
                            run.outLines().get(0));
                    byte[] bytes = Files.readAllBytes(weights);
                    if (first == null) {
                        first = bytes;
                    }
                    assertArrayEquals(first, bytes, "--threads " + threads + " saves the bytes of --threads 1");
                }
            }
        }
        for (int threads : new int[] {2, 3}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("threads-1-3.safetensors")),
                    Files.readAllBytes(dir.resolve("threads-" + threads + "-3.safetensors")), "3 shards on " + threads + " threads");
        }
        assertInputError(args("--threads", "0"), "--threads 0", "expected: >= 1");
    }

    @Test
    void shardsGiveNearlyTheSameResult() throws IOException {
        Path one = dir.resolve("one.json");
        Path three = dir.resolve("three.json");
        assertEquals(0, run(args("--metrics-out", one.toString())).exitCode());
        Run run = run(args("--metrics-out", three.toString(), "--shards", "3"));
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(metrics(one).get("train_loss"), metrics(three).get("train_loss"), 1e-4);
    }

    /** Runs with the arguments, expects exit 2 and an error message containing every fragment; returns stderr. */
    static String assertInputError(String[] args, String... fragments) {
        Run run = run(args);
        assertEquals(2, run.exitCode(), () -> String.join(" ", args) + "\nstdout: " + run.out() + "\nstderr: " + run.err());
        assertTrue(run.err().startsWith("error: "), run.err());
        for (String fragment : fragments) {
            assertTrue(run.err().contains(fragment), () -> "stderr lacks '" + fragment + "': " + run.err());
        }
        assertFalse(run.err().contains("\tat "), run.err());
        return run.err();
    }

    @Test
    void badModelSpecExits2() {
        assertInputError(args("--model", "784-x"), "model spec '784-x'", "'x' is not a width");
        assertInputError(args("--model", "4"), "at least an input and an output width");
    }

    @Test
    void unknownOptimizerExits2ListingTheKnownOnes() {
        assertInputError(args("--optimizer", "rmsprop"), "'rmsprop'", "sgd, momentum, adam");
    }

    @Test
    void unknownScheduleExits2ListingTheKnownOnes() {
        assertInputError(args("--lr-schedule", "step"), "'step'", "constant, cosine");
    }

    @Test
    void unknownActivationExits2() {
        assertInputError(args("--activation", "gelu"), "unknown activation 'gelu'");
    }

    @Test
    void nonPositiveCountsExit2() {
        assertInputError(args("--batch", "0"), "batch", "0", "expected: >= 1");
        assertInputError(args("--steps", "0"), "--steps 0", "expected: >= 1");
        assertInputError(args("--epochs", "0"), "epochs : 0");
        assertInputError(args("--shards", "0"), "shards : 0");
        assertInputError(args("--lr", "-0.1"), "-0.1");
    }

    @Test
    void nonNumericValuesExit2PointingAtHelp() {
        String err = assertInputError(args("--batch", "many"), "--batch", "many");
        assertTrue(err.contains("Try 'chainrule train --help'"), err);
    }

    @Test
    void dataDirectoryAndCsvFilesExcludeEachOther() {
        assertInputError(args("--data", dir.toString()), "--data cannot be combined with --train/--test");
    }

    @Test
    void csvTrainingNeedsBothFiles() {
        assertInputError(new String[] {"train", "--train", train.toString(), "--model", "4-8-3"},
                "CSV data needs both --train FILE and --test FILE");
        assertInputError(new String[] {"train", "--test", test.toString(), "--model", "4-8-3"},
                "CSV data needs both --train FILE and --test FILE");
    }

    @Test
    void labelsBeyondTheModelsOutputsExit2NamingTheFile() throws IOException {
        Path fourClasses = blobsCsv(dir.resolve("four-classes.csv"), 40, 4, 4, 3);
        assertInputError(new String[] {"train", "--train", fourClasses.toString(), "--test", test.toString(), "--model", "4-8-3"},
                fourClasses.toString(), "label 3", "expected: 0 <= label < 3");
        // in the test file too
        assertInputError(new String[] {"train", "--train", train.toString(), "--test", fourClasses.toString(), "--model", "4-8-3"},
                fourClasses.toString(), "label 3");
    }

    @Test
    void csvWidthThatDoesNotFitTheModelExits2() throws IOException {
        Path wideTrain = blobsCsv(dir.resolve("wide-train.csv"), 30, 5, 3, 3);
        Path wideTest = blobsCsv(dir.resolve("wide-test.csv"), 30, 5, 3, 4);
        assertInputError(new String[] {"train", "--train", wideTrain.toString(), "--test", wideTest.toString(), "--model", "4-8-3"},
                "wide-train.csv", "5 features", "4 inputs");
        // train and test files of different widths
        assertInputError(new String[] {"train", "--train", train.toString(), "--test", wideTest.toString(), "--model", "4-8-3"},
                "wide-test.csv", "dimension mismatch");
    }

    @Test
    void missingCsvFileExits2NamingIt() {
        Path missing = dir.resolve("nope.csv");
        assertInputError(new String[] {"train", "--train", missing.toString(), "--test", test.toString(), "--model", "4-8-3"},
                missing.toString());
    }

    @Test
    void helpMentionsEveryOption() {
        Run run = run("train", "--help");
        assertEquals(0, run.exitCode());
        for (String expected : Stream.of("Usage: chainrule train", "--model", "--activation", "--optimizer", "--lr",
                "--lr-schedule", "--momentum", "--weight-decay", "--batch", "--epochs", "--steps", "--shards", "--no-shuffle",
                "--seed", "--init", "--save", "--metrics-out", "--data", "--train", "--test", "Exit codes:", "Examples:",
                "784-256-128-10", "sgd|momentum|adam", "constant|cosine").toList()) {
            assertTrue(run.out().contains(expected), () -> "train --help lacks '" + expected + "':\n" + run.out());
        }
    }

    @Test
    void mainHelpListsTrainAndEval() {
        Run run = run("--help");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("train") && run.out().contains("Train an MLP"), run.out());
        assertTrue(run.out().contains("eval") && run.out().contains("Evaluate saved MLP weights"), run.out());
    }

}
