package dev.chainrule.cli;

import dev.chainrule.train.TrainingResult;
import dev.chainrule.weights.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/** The {@code --metrics-out} file: one JSON object summarising a training run. */
final class RunSummary {
    private RunSummary() {
    }

    /** The summary as one line of JSON. */
    static String json(TrainingResult result) {
        return String.format(Locale.ROOT,
                "{\"steps\": %d, \"epochs\": %s, \"train_loss\": %s, \"test_accuracy\": %s, \"wall_seconds\": %s,"
                        + " \"samples_per_second\": %s}",
                result.steps(), number(result.epochs()), number(result.trainLoss()), number(result.test().accuracy()),
                number(result.wallSeconds()), number(result.samplesPerSecond()));
    }

    /** Writes {@link #json} and a newline to {@code file}, atomically. */
    static void write(Path file, TrainingResult result) throws IOException {
        byte[] bytes = (json(result) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** A JSON number; JSON has no NaN or infinity, so those become null. */
    private static String number(double value) {
        return Double.isFinite(value) ? Double.toString(value) : "null";
    }
}
