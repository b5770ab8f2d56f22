package dev.chainrule.weights;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An MLP's weights as a safetensors file: {@code fc{i}.weight} [out, in] and {@code fc{i}.bias} [out]
 * in float32, with the model spec and activation recorded in the metadata so that a file can be
 * evaluated without repeating them. The same weights always give the same bytes.
 */
public final class ModelWeights {
    /** Metadata key holding the layer widths, e.g. {@code 784-256-128-10}. */
    public static final String MODEL_KEY = "chainrule.model";
    /** Metadata key holding the hidden activation. */
    public static final String ACTIVATION_KEY = "chainrule.activation";

    private ModelWeights() {
    }

    /** Writes {@code model}'s parameters atomically. */
    public static void save(Path file, Mlp model) throws IOException {
        SafetensorsFile.write(file, model.namedParameters(), Map.of(
                "format", "pt",
                MODEL_KEY, model.spec().toString(),
                ACTIVATION_KEY, model.activation().toString()));
    }

    /** A model of the given spec and activation with the weights in {@code file}, which must fit it exactly. */
    public static Mlp load(Path file, ModelSpec spec, Activation activation) throws IOException {
        return Mlp.fromWeights(spec, activation, WeightsValidator.load(file, Mlp.parameterShapes(spec)));
    }

    /**
     * The layer widths of the MLP stored in {@code file}, read from the shapes of fc1.weight,
     * fc2.weight, … (files written by PyTorch carry no spec in their metadata).
     */
    public static ModelSpec specOf(Path file) throws IOException {
        SafetensorsHeader header = SafetensorsFile.readHeader(file);
        Map<String, Shape> shapes = new LinkedHashMap<>();
        header.tensors().forEach((name, entry) -> shapes.put(name, entry.shape()));
        Shape first = shapes.get("fc1.weight");
        if (first == null || first.rank() != 2) {
            throw new WeightsFileException(file.toString(), "no 2-D tensor fc1.weight: not the weights of an MLP with layers fc1, fc2, …");
        }
        List<Integer> widths = new java.util.ArrayList<>(List.of(first.dim(1), first.dim(0)));
        for (int i = 2; shapes.containsKey("fc" + i + ".weight"); i++) {
            Shape w = shapes.get("fc" + i + ".weight");
            if (w.rank() != 2) {
                throw new WeightsFileException(file.toString(), "fc" + i + ".weight has shape " + w + " (expected: 2-D)");
            }
            widths.add(w.dim(0));
        }
        return ModelSpec.of(widths.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The activation recorded in {@code file}'s metadata, or null if it has none. */
    public static Activation activationOf(Path file) throws IOException {
        String name = SafetensorsFile.readHeader(file).metadata().get(ACTIVATION_KEY);
        return name == null ? null : Activation.parse(name);
    }
}
