package dev.chainrule.cli;

import static dev.chainrule.cli.TrainCommandTest.assertInputError;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --save}, {@code --metrics-out} and {@code --checkpoint-dir} are checked before the first
 * step: an unusable path is an input error (exit 2) naming the path given, and nothing trains.
 */
class OutputPathCommandTest {
    @TempDir
    Path dir;

    /** {@code command} on a small CSV data set (one epoch), then {@code more}. */
    private String[] args(String command, String... more) throws IOException {
        Path train = TrainCommandTest.blobsCsv(dir.resolve("train.csv"), 40, 4, 3, 1);
        Path test = TrainCommandTest.blobsCsv(dir.resolve("test.csv"), 20, 4, 3, 2);
        List<String> all = new ArrayList<>(List.of(command, "--train", train.toString(), "--test", test.toString(), "--model", "4-8-3",
                "--epochs", "1", "--batch", "8"));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private void assertRefusedBeforeTraining(String[] args, String... fragments) {
        String err = assertInputError(args, fragments);
        assertFalse(err.contains(".tmp"), "names the path given, not a temporary file: " + err);
        TrainCommandTest.Run run = TrainCommandTest.run(args);
        assertFalse(run.out().contains("epoch 1") || run.out().contains("listening"), "nothing ran: " + run.out());
    }

    @Test
    void saveIntoAMissingDirectoryFailsBeforeTheFirstStep() throws IOException {
        Path save = dir.resolve("no/such/dir/w.safetensors");
        assertRefusedBeforeTraining(args("train", "--save", save.toString()),
                "error: " + save + ": its directory " + dir.resolve("no/such/dir") + " does not exist");
    }

    @Test
    void saveOrMetricsOntoADirectoryFailsBeforeTheFirstStep() throws IOException {
        Path directory = Files.createDirectory(dir.resolve("out"));
        assertRefusedBeforeTraining(args("train", "--save", directory.toString()), directory + ": not a regular file (a directory)");
        assertRefusedBeforeTraining(args("train", "--metrics-out", directory.toString()), directory + ": not a regular file (a directory)");
    }

    @Test
    void aCheckpointDirectoryThatIsAFileFailsBeforeTheFirstStep() throws IOException {
        Path file = Files.writeString(dir.resolve("ckpt"), "x");
        assertRefusedBeforeTraining(args("train", "--checkpoint-dir", file.toString()), file + ": not a directory");
    }

    @Test
    void theCoordinatorChecksItsOutputPathsBeforeListening() throws IOException {
        Path save = dir.resolve("missing/w.safetensors");
        assertRefusedBeforeTraining(args("coordinator", "--workers", "1", "--port", "0", "--save", save.toString()),
                save + ": its directory " + dir.resolve("missing") + " does not exist");
    }
}
