package dev.chainrule.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code chainrule eval} in-process on weights saved by {@code chainrule train}. */
class EvalCommandTest {
    private static final Pattern RESULT = Pattern.compile("test loss (\\d+\\.\\d{4})  test accuracy (\\d+\\.\\d{2})%");

    @TempDir
    Path dir;
    Path train;
    Path test;
    Path weights;
    TrainCommandTest.Run training;

    @BeforeEach
    void trainAModel() throws IOException {
        train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 120, 4, 3, 1);
        test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 60, 4, 3, 2);
        weights = dir.resolve("weights.safetensors");
        training = TrainCommandTest.run("train", "--train", train.toString(), "--test", test.toString(), "--model", "4-8-3",
                "--epochs", "3", "--batch", "16", "--lr", "0.01", "--save", weights.toString());
        assertEquals(0, training.exitCode(), training.err());
    }

    @Test
    void printsAccuracyAndAConfusionMatrixWithOneRowPerClass() {
        TrainCommandTest.Run run = TrainCommandTest.run("eval", "--weights", weights.toString(), "--test", test.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err());
        List<String> lines = run.outLines();
        assertEquals(7, lines.size(), run.out());
        assertEquals("model 4-8-3 relu from " + weights + " on 60 samples of " + test, lines.get(0));
        Matcher result = RESULT.matcher(lines.get(1));
        assertTrue(result.matches(), lines.get(1));
        assertEquals("", lines.get(2));
        assertEquals(List.of("true\\pred", "0", "1", "2", "recall"), List.of(lines.get(3).trim().split("\\s+")));

        int correct = 0;
        int total = 0;
        for (int c = 0; c < 3; c++) {
            String[] cells = lines.get(4 + c).trim().split("\\s+");
            assertEquals(5, cells.length, lines.get(4 + c));
            assertEquals(Integer.toString(c), cells[0]);
            int rowSum = 0;
            for (int p = 0; p < 3; p++) {
                rowSum += Integer.parseInt(cells[1 + p]);
            }
            assertEquals(20, rowSum, "row " + c + " counts the 20 test samples of class " + c);
            correct += Integer.parseInt(cells[1 + c]);
            total += rowSum;
            assertTrue(cells[4].endsWith("%"), cells[4]);
            assertEquals(100.0 * Integer.parseInt(cells[1 + c]) / 20, Double.parseDouble(cells[4].replace("%", "")), 0.05);
        }
        assertEquals(60, total);
        assertEquals(100.0 * correct / 60, Double.parseDouble(result.group(2)), 0.005 + 1e-9, "accuracy is the diagonal's share");

        // the same weights on the same test set: the figures training printed at the end
        Matcher done = TrainCommandTest.DONE_LINE.matcher(training.outLines().get(training.outLines().size() - 2));
        assertTrue(done.matches(), training.out());
        assertEquals(done.group(2), result.group(1), "test loss as printed by train");
        assertEquals(done.group(3), result.group(2), "test accuracy as printed by train");
    }

    @Test
    void usesTheActivationRecordedInTheFileUnlessOverridden() throws IOException {
        Path tanh = dir.resolve("tanh.safetensors");
        TrainCommandTest.Run trained = TrainCommandTest.run("train", "--train", train.toString(), "--test", test.toString(),
                "--model", "4-8-3", "--epochs", "1", "--batch", "16", "--activation", "tanh", "--save", tanh.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        TrainCommandTest.Run recorded = TrainCommandTest.run("eval", "--weights", tanh.toString(), "--test", test.toString());
        assertEquals(0, recorded.exitCode(), recorded.err());
        assertTrue(recorded.outLines().get(0).startsWith("model 4-8-3 tanh from "), recorded.out());
        TrainCommandTest.Run overridden = TrainCommandTest.run("eval", "--weights", tanh.toString(), "--test", test.toString(),
                "--activation", "sigmoid");
        assertEquals(0, overridden.exitCode(), overridden.err());
        assertTrue(overridden.outLines().get(0).startsWith("model 4-8-3 sigmoid from "), overridden.out());
    }

    @Test
    void aFileWithoutChainruleMetadataIsEvaluatedWithRelu() throws IOException {
        // as PyTorch's safetensors.torch.save_file writes it: tensors only
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("fc1.weight", Tensor.randn(DType.FLOAT32, 1, 5, 4));
        tensors.put("fc1.bias", Tensor.zeros(DType.FLOAT32, 5));
        tensors.put("fc2.weight", Tensor.randn(DType.FLOAT32, 2, 3, 5));
        tensors.put("fc2.bias", Tensor.zeros(DType.FLOAT32, 3));
        Path plain = dir.resolve("plain.safetensors");
        SafetensorsFile.write(plain, tensors, null);
        TrainCommandTest.Run run = TrainCommandTest.run("eval", "--weights", plain.toString(), "--test", test.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.outLines().get(0).startsWith("model 4-5-3 relu from "), run.out());
        assertEquals(7, run.outLines().size(), run.out());
    }

    @Test
    void misShapedWeightsExit2ListingTheProblem() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("fc1.weight", Tensor.zeros(DType.FLOAT32, 8, 4));
        tensors.put("fc1.bias", Tensor.zeros(DType.FLOAT32, 8));
        tensors.put("fc2.weight", Tensor.zeros(DType.FLOAT32, 3, 8));
        tensors.put("fc2.bias", Tensor.zeros(DType.FLOAT32, 4));
        Path bad = dir.resolve("bad.safetensors");
        SafetensorsFile.write(bad, tensors, null);
        String err = TrainCommandTest.assertInputError(new String[] {"eval", "--weights", bad.toString(), "--test", test.toString()},
                bad.toString(), "\"fc2.bias\" has shape [4] (expected: [3])");
        assertTrue(err.lines().count() >= 2, err);
    }

    @Test
    void notASafetensorsFileExits2NamingIt() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.safetensors"), "this is not a safetensors file");
        TrainCommandTest.assertInputError(new String[] {"eval", "--weights", junk.toString(), "--test", test.toString()}, junk.toString());
    }

    @Test
    void missingWeightsFileExits2NamingIt() {
        Path missing = dir.resolve("missing.safetensors");
        TrainCommandTest.Run run = TrainCommandTest.run("eval", "--weights", missing.toString(), "--test", test.toString());
        assertEquals(2, run.exitCode(), "a missing --weights file is invalid input: " + run.err());
        assertTrue(run.err().contains(missing.toString()), run.err());
    }

    @Test
    void testDataThatDoesNotFitTheWeightsExits2() throws IOException {
        Path wide = TrainCommandTest.blobsCsv(dir.resolve("wide.csv"), 30, 5, 3, 5);
        TrainCommandTest.assertInputError(new String[] {"eval", "--weights", weights.toString(), "--test", wide.toString()},
                "wide.csv", "5 features", "4 inputs");
        Path fourClasses = TrainCommandTest.blobsCsv(dir.resolve("four.csv"), 40, 4, 4, 6);
        TrainCommandTest.assertInputError(new String[] {"eval", "--weights", weights.toString(), "--test", fourClasses.toString()},
                "four.csv", "label 3");
    }

    @Test
    void weightsAreRequired() {
        TrainCommandTest.Run run = TrainCommandTest.run("eval", "--test", test.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--weights"), run.err());
    }

    @Test
    void dataDirectoryAndCsvExcludeEachOther() {
        TrainCommandTest.assertInputError(new String[] {"eval", "--weights", weights.toString(), "--test", test.toString(),
                "--data", dir.toString()}, "--data cannot be combined with --train/--test");
    }

    @Test
    void helpMentionsTheOptions() {
        TrainCommandTest.Run run = TrainCommandTest.run("eval", "--help");
        assertEquals(0, run.exitCode());
        for (String expected : List.of("Usage: chainrule eval", "--weights", "--activation", "--data", "--test",
                "confusion matrix", "Exit codes:", "Examples:")) {
            assertTrue(run.out().contains(expected), () -> "eval --help lacks '" + expected + "':\n" + run.out());
        }
    }
}
