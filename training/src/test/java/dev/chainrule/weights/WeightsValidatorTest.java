package dev.chainrule.weights;

import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check behind {@code --init FILE} and the fc{i} naming. */
class WeightsValidatorTest {
    @TempDir
    Path dir;

    @Test
    void loadsAMatchingFileInTheModelsOrder() throws IOException {
        Path file = dir.resolve("init.safetensors");
        LinkedHashMap<String, Tensor> weights = new LinkedHashMap<>();
        Mlp.parameterShapes(ModelSpec.of(5, 4, 3, 2)).forEach((name, shape) ->
                weights.put(name, Tensor.randn(DType.FLOAT32, name.hashCode(), shape.dims())));
        SafetensorsFile.write(file, weights, null);

        LinkedHashMap<String, Tensor> loaded = WeightsValidator.load(file, Mlp.parameterShapes(ModelSpec.of(5, 4, 3, 2)));

        assertEquals(List.copyOf(weights.keySet()), List.copyOf(loaded.keySet()));
        weights.forEach((name, t) -> assertEquals(t.toString(), loaded.get(name).toString(), name));
    }

    @Test
    void listsEveryMissingUnexpectedAndMisShapedTensorInOneError() throws IOException {
        Path file = dir.resolve("init.safetensors");
        LinkedHashMap<String, Tensor> weights = new LinkedHashMap<>();
        weights.put("fc1.weight", Tensor.zeros(DType.FLOAT32, 3, 5));
        weights.put("fc1.bias", Tensor.zeros(DType.FLOAT32, 3));
        weights.put("fc2.bias", Tensor.zeros(DType.FLOAT32, 1, 2));
        weights.put("fc3.weight", Tensor.zeros(DType.FLOAT32, 2, 2));
        weights.put("layers.0.weight", Tensor.zeros(DType.FLOAT32, 3, 4));
        SafetensorsFile.write(file, weights, null);

        WeightsFileException e = assertThrows(WeightsFileException.class,
                () -> WeightsValidator.load(file, Mlp.parameterShapes(ModelSpec.of(4, 3, 2))));

        List<String> problems = List.of(
                "tensor \"fc1.weight\" has shape [3, 5] (expected: [3, 4])",
                "missing tensor \"fc2.weight\" of shape [2, 3]",
                "tensor \"fc2.bias\" has shape [1, 2] (expected: [2])",
                "unexpected tensor \"fc3.weight\" of shape [2, 2]",
                "unexpected tensor \"layers.0.weight\" of shape [3, 4]");
        assertEquals(problems, e.problems());
        assertEquals(file + ": the weights do not fit the model (5 problems)\n  - " + String.join("\n  - ", problems),
                e.getMessage());
        assertEquals(file.toString(), e.source());
    }

    @Test
    void acceptsOnlyFloat32() throws URISyntaxException {
        Path file = Path.of(getClass().getResource("/weights/torch_mlp_4-3-2_f64.safetensors").toURI());
        WeightsFileException e = assertThrows(WeightsFileException.class,
                () -> WeightsValidator.load(file, Mlp.parameterShapes(ModelSpec.of(4, 3, 2))));
        assertEquals(List.of(
                "tensor \"fc1.weight\" has dtype F64 (expected: F32)",
                "tensor \"fc1.bias\" has dtype F64 (expected: F32)",
                "tensor \"fc2.weight\" has dtype F64 (expected: F32)",
                "tensor \"fc2.bias\" has dtype F64 (expected: F32)"), e.problems());
    }

    @Test
    void aMalformedFileIsReportedBeforeTheModelCheck() throws IOException {
        Path file = dir.resolve("empty.safetensors");
        java.nio.file.Files.write(file, new byte[0]);
        WeightsFileException e = assertThrows(WeightsFileException.class,
                () -> WeightsValidator.load(file, Mlp.parameterShapes(ModelSpec.of(4, 3, 2))));
        assertEquals(file + ": the file has 0 bytes, too few for the 8-byte header length that starts a safetensors file",
                e.getMessage());
    }
}
