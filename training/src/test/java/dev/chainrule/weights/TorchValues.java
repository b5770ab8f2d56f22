package dev.chainrule.weights;

import dev.chainrule.autodiff.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Reads the expected-values files that {@code tools/interop/safetensors_torch.py save --values}
 * writes next to its fixtures: one line per tensor, {@code <name> <dtype> <shape> <values...>},
 * the values being float32 numbers written as Python reprs of doubles (exact).
 */
final class TorchValues {
    /** One tensor as PyTorch saw it: the dtype stored in the file, the shape, and the values converted to float32. */
    record Expected(String dtype, Shape shape, float[] values) {
    }

    private TorchValues() {
    }

    static LinkedHashMap<String, Expected> read(Path file) throws IOException {
        LinkedHashMap<String, Expected> out = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] tokens = line.trim().split(" +");
            int[] dims = tokens[2].equals("scalar") ? new int[0]
                    : Arrays.stream(tokens[2].split("x")).mapToInt(Integer::parseInt).toArray();
            float[] values = new float[tokens.length - 3];
            for (int i = 0; i < values.length; i++) {
                double d = Double.parseDouble(tokens[3 + i]);
                values[i] = (float) d;
                if (values[i] != d) {
                    throw new IllegalStateException(file + ": " + tokens[3 + i] + " is not a float32 value");
                }
            }
            out.put(tokens[0], new Expected(tokens[1], Shape.of(dims), values));
        }
        return out;
    }
}
