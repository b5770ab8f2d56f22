package dev.chainrule.weights;

import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Reads the files PyTorch wrote ({@code tools/interop/safetensors_torch.py save}, a seeded 4-3-2 MLP
 * in each readable dtype) and compares every element, bit for bit, with the float32 values PyTorch
 * printed next to them: so the F64, F16 and BF16 conversions are PyTorch's {@code .to(torch.float32)}.
 */
class TorchFixtureTest {
    private static Path resource(String name) throws URISyntaxException {
        return Path.of(TorchFixtureTest.class.getResource("/weights/" + name).toURI());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"torch_mlp_4-3-2", "torch_mlp_4-3-2_f64", "torch_mlp_4-3-2_f16", "torch_mlp_4-3-2_bf16"})
    void readsExactlyTheValuesPyTorchWrote(String fixture) throws Exception {
        Path file = resource(fixture + ".safetensors");
        LinkedHashMap<String, TorchValues.Expected> expected = TorchValues.read(resource(fixture + ".txt"));

        LinkedHashMap<String, Tensor> read = SafetensorsFile.read(file);
        SafetensorsHeader header = SafetensorsFile.readHeader(file);

        assertEquals(List.of("fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"), List.copyOf(read.keySet()));
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(read.keySet()));
        assertEquals(Map.of("format", "pt"), header.metadata());
        for (var e : expected.entrySet()) {
            String name = e.getKey();
            assertEquals(e.getValue().dtype(), header.tensors().get(name).dtype().name(), name);
            assertEquals(e.getValue().shape(), read.get(name).shape(), name);
            float[] actual = ((Storage.Float32) read.get(name).storage()).toArray();
            float[] want = e.getValue().values();
            assertEquals(want.length, actual.length, name);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(actual[i]),
                        name + "[" + i + "]: expected " + want[i] + " but read " + actual[i]);
            }
        }
        assertEquals(Mlp.parameterShapes(ModelSpec.of(4, 3, 2)).keySet(), read.keySet());
    }

    @Test
    void writingPyTorchsFloat32WeightsBackGivesPyTorchsBytes() throws Exception {
        Path file = resource("torch_mlp_4-3-2.safetensors");
        byte[] rewritten = SafetensorsFile.toBytes(SafetensorsFile.read(file), Map.of("format", "pt"));
        assertArrayEquals(Files.readAllBytes(file), rewritten);
    }

    @Test
    void theFixtureFitsA432Mlp() throws URISyntaxException, IOException {
        var loaded = WeightsValidator.load(resource("torch_mlp_4-3-2.safetensors"), Mlp.parameterShapes(ModelSpec.of(4, 3, 2)));
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), List.copyOf(loaded.keySet()));
    }
}
