package dev.chainrule.cli;

import dev.chainrule.train.TrainingResult;
import dev.chainrule.weights.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import tools.jackson.core.JsonGenerator;

/** The {@code --metrics-out} file: one JSON object summarising a training run. */
final class RunSummary {
    private RunSummary() {
    }

    /** The summary as one line of JSON. */
    static String json(TrainingResult result) {
        return OneLineJson.write(json -> {
            json.writeStartObject();
            json.writeNumberProperty("steps", result.steps());
            number(json, "epochs", result.epochs());
            number(json, "train_loss", result.trainLoss());
            number(json, "test_accuracy", result.test().accuracy());
            number(json, "wall_seconds", result.wallSeconds());
            number(json, "samples_per_second", result.samplesPerSecond());
            json.writeEndObject();
        });
    }

    /** Writes {@link #json} and a newline to {@code file}, atomically. */
    static void write(Path file, TrainingResult result) throws IOException {
        byte[] bytes = (json(result) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** A JSON number; JSON has no NaN or infinity, so those become null. */
    private static void number(JsonGenerator json, String name, double value) {
        if (Double.isFinite(value)) {
            json.writeNumberProperty(name, value);
        } else {
            json.writeNullProperty(name);
        }
    }
}
