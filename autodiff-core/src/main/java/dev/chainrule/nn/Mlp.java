package dev.chainrule.nn;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A multilayer perceptron: Linear layers {@code fc1, fc2, …} with a hidden activation after every
 * layer but the last, which outputs logits. Parameters are float32 tensors named
 * {@code fc{i}.weight} [out, in] and {@code fc{i}.bias} [out], the names PyTorch gives a module whose
 * Linear attributes are fc1, fc2, ….
 */
public final class Mlp {
    private final ModelSpec spec;
    private final Activation activation;
    private final List<Linear> layers;

    private Mlp(ModelSpec spec, Activation activation, List<Linear> layers) {
        this.spec = spec;
        this.activation = activation;
        this.layers = layers;
    }

    /** A model with weights drawn from {@code seed} (He for ReLU, Xavier for sigmoid and tanh) and zero biases. */
    public static Mlp initialized(ModelSpec spec, Activation activation, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Linear> layers = new ArrayList<>();
        for (int i = 0; i < spec.layers(); i++) {
            layers.add(Linear.initialized("fc" + (i + 1), spec.inputWidth(i), spec.outputWidth(i), activation.initialization(), random));
        }
        return new Mlp(spec, activation, layers);
    }

    /** A model whose parameters are copies of {@code weights}, which must match {@link #parameterShapes} exactly. */
    public static Mlp fromWeights(ModelSpec spec, Activation activation, Map<String, Tensor> weights) {
        Map<String, Shape> expected = parameterShapes(spec);
        List<String> problems = new ArrayList<>();
        expected.forEach((name, shape) -> {
            Tensor t = weights.get(name);
            if (t == null) {
                problems.add("missing " + name + " " + shape);
            } else if (!t.shape().equals(shape)) {
                problems.add(name + " has shape " + t.shape() + " (expected: " + shape + ")");
            }
        });
        weights.keySet().stream().filter(n -> !expected.containsKey(n)).forEach(n -> problems.add("unexpected " + n));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("weights do not fit model " + spec + ": " + String.join("; ", problems));
        }
        List<Linear> layers = new ArrayList<>();
        for (int i = 1; i <= spec.layers(); i++) {
            Tensor w = weights.get("fc" + i + ".weight").to(DType.FLOAT32).named("fc" + i + ".weight");
            Tensor b = weights.get("fc" + i + ".bias").to(DType.FLOAT32).named("fc" + i + ".bias");
            layers.add(new Linear(w, b));
        }
        return new Mlp(spec, activation, layers);
    }

    /** The names and shapes of the parameters of a model with this spec, in layer order. */
    public static LinkedHashMap<String, Shape> parameterShapes(ModelSpec spec) {
        LinkedHashMap<String, Shape> shapes = new LinkedHashMap<>();
        for (int i = 0; i < spec.layers(); i++) {
            shapes.put("fc" + (i + 1) + ".weight", Shape.of(spec.outputWidth(i), spec.inputWidth(i)));
            shapes.put("fc" + (i + 1) + ".bias", Shape.of(spec.outputWidth(i)));
        }
        return shapes;
    }

    /** Logits [N, classes] for a batch x [N, inputs]. */
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).forward(h);
            if (i < layers.size() - 1) {
                h = activation.apply(h);
            }
        }
        return h;
    }

    /** The parameters in layer order: fc1.weight, fc1.bias, fc2.weight, …. */
    public List<Tensor> parameters() {
        List<Tensor> params = new ArrayList<>();
        for (Linear layer : layers) {
            params.add(layer.weight());
            params.add(layer.bias());
        }
        return Collections.unmodifiableList(params);
    }

    /** The parameters by name, in layer order. */
    public LinkedHashMap<String, Tensor> namedParameters() {
        LinkedHashMap<String, Tensor> named = new LinkedHashMap<>();
        for (Tensor p : parameters()) {
            named.put(p.name(), p);
        }
        return named;
    }

    /** The layer widths. */
    public ModelSpec spec() {
        return spec;
    }

    /** The hidden activation. */
    public Activation activation() {
        return activation;
    }
}
