package dev.chainrule.weights;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that a weights file holds exactly the tensors a model expects, for loading initial weights
 * ({@code --init FILE}): every expected name present with the expected shape and dtype F32, and no
 * other name. All problems are reported together, in one {@link WeightsFileException} naming the file.
 */
public final class WeightsValidator {
    /** The only dtype accepted for initial weights: the model's own type, loaded without conversion. */
    public static final SafetensorsDType EXPECTED_DTYPE = SafetensorsDType.F32;

    private WeightsValidator() {
    }

    /**
     * Every difference between {@code header} and {@code expected} (names to shapes), one sentence
     * each: wrong dtypes, wrong shapes and missing names in {@code expected}'s order, then
     * unexpected names in header order. Empty when the header fits.
     */
    public static List<String> problems(SafetensorsHeader header, Map<String, Shape> expected) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            String name = JsonQuotes.quoteExcerpt(e.getKey());
            TensorEntry found = header.tensors().get(e.getKey());
            if (found == null) {
                problems.add("missing tensor " + name + " of shape " + e.getValue());
                continue;
            }
            if (!found.shape().equals(e.getValue())) {
                problems.add("tensor " + name + " has shape " + found.shape() + " (expected: " + e.getValue() + ")");
            }
            if (found.dtype() != EXPECTED_DTYPE) {
                problems.add("tensor " + name + " has dtype " + found.dtype() + " (expected: " + EXPECTED_DTYPE + ")");
            }
        }
        for (TensorEntry found : header.tensors().values()) {
            if (!expected.containsKey(found.name())) {
                problems.add("unexpected tensor " + JsonQuotes.quoteExcerpt(found.name()) + " of shape " + found.shape());
            }
        }
        return problems;
    }

    /**
     * The tensors of {@code file}, in {@code expected}'s order, after checking the file (as
     * {@link SafetensorsFile#read} does) and that it fits {@code expected}.
     */
    public static LinkedHashMap<String, Tensor> load(Path file, Map<String, Shape> expected) throws IOException {
        try (FileChannel channel = SafetensorsFile.open(file)) {
            SafetensorsReader reader = new SafetensorsReader(ByteSource.of(channel), file.toString());
            requireFits(reader.header(), expected, file.toString());
            LinkedHashMap<String, Tensor> read = reader.tensors();
            LinkedHashMap<String, Tensor> ordered = new LinkedHashMap<>();
            expected.keySet().forEach(name -> ordered.put(name, read.get(name)));
            return ordered;
        }
    }

    /** Fails, naming {@code source} and listing every problem, unless {@code header} fits {@code expected}. */
    public static void requireFits(SafetensorsHeader header, Map<String, Shape> expected, String source) {
        List<String> problems = problems(header, expected);
        if (!problems.isEmpty()) {
            throw new WeightsFileException(source, "the weights do not fit the model (" + problems.size()
                    + (problems.size() == 1 ? " problem" : " problems") + ")", problems);
        }
    }
}
