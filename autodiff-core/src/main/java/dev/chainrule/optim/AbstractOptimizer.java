package dev.chainrule.optim;

import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What every optimiser here shares: the argument checks, the division of the gradient sums, torch's
 * weight decay, the step count, and the per-parameter buffers (keyed {@code <parameter name>.<suffix>})
 * with their export and import. A subclass supplies the update rule for one parameter twice: a fused
 * float32 loop over the direct buffers ({@link #updateFloat32}), and the same rule written with
 * {@link ElementArithmetic} for float64 ({@link #update}).
 *
 * <p>The float32 loops compute in float and give exactly the bits of torch's kernels, which round
 * every stored result to float: a product or sum of two floats computed in double and rounded to
 * float is the float product or sum, and {@code (float) Math.sqrt(v)} of a float {@code v} is its
 * correctly rounded float square root (a double carries more than 2·24 + 2 bits, so rounding twice
 * changes nothing). They read the gradient sums once, write each buffer and the parameter once, and
 * allocate no tensor after the first step.
 *
 * <p>Invariant: before the first step there are no buffers; after it, exactly one buffer per
 * parameter and suffix, shaped and typed like the parameter, never taken from a
 * {@link dev.chainrule.autodiff.Workspace} (steps may run inside one). The buffers belong to the
 * optimiser alone (they are copied on export and import and are never part of a graph), so the
 * update rules write into them without bumping versions; every update of a parameter bumps its
 * version.
 */
abstract class AbstractOptimizer implements Optimizer {
    private static final int MAX_LISTED = 8;

    private final String kind;
    private final List<String> suffixes;
    private final double weightDecay;
    private long stepCount;
    private LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();

    /** An optimiser of {@code kind} keeping one buffer per parameter for each of {@code suffixes}. */
    AbstractOptimizer(String kind, List<String> suffixes, double weightDecay) {
        this.kind = kind;
        this.suffixes = List.copyOf(suffixes);
        this.weightDecay = Checks.nonNegative("weightDecay", weightDecay);
    }

    /**
     * Updates one float32 parameter in place, in one pass over its elements; runs with recording off,
     * after all checks have passed.
     *
     * @param parameter the parameter, whose elements are {@code w}
     * @param w the parameter's elements, written in place
     * @param gradient the parameter's gradient, read element by element
     * @param step the number of this step, counting from 1 (torch's {@code state['step']} after its increment)
     */
    abstract void updateFloat32(Tensor parameter, FloatBuffer w, FloatGradient gradient, double learningRate, long step);

    /**
     * Updates one float64 parameter in place; runs with recording off, after all checks have passed.
     *
     * @param gradient the gradient with weight decay applied
     * @param step the number of this step, counting from 1 (torch's {@code state['step']} after its increment)
     */
    abstract void update(Tensor parameter, Tensor gradient, double learningRate, long step);

    @Override
    public final void step(List<Tensor> parameters, List<Tensor> gradientSums, float divisor, double learningRate) {
        checkStep(parameters, divisor, learningRate);
        Objects.requireNonNull(gradientSums, "gradientSums");
        if (parameters.size() != gradientSums.size()) {
            throw new IllegalArgumentException(parameters.size() + " parameters but " + gradientSums.size()
                    + " gradients (expected: one gradient per parameter, at the same position)");
        }
        for (int i = 0; i < parameters.size(); i++) {
            checkGradient(parameters.get(i), gradientSums.get(i), i);
        }
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int i = 0; i < parameters.size(); i++) {
                updateOne(parameters.get(i), gradientSums.get(i), divisor, learningRate);
            }
        }
        stepCount++;
    }

    /** Updates {@code parameter} in place from {@code gradientSum} / {@code divisor}, as step {@code stepCount + 1}. */
    private void updateOne(Tensor parameter, Tensor gradientSum, float divisor, double learningRate) {
        if (parameter.storage() instanceof Storage.Float32 w) {
            updateFloat32(parameter, w.buffer(), new FloatGradient(floats(gradientSum), divisor, weightDecay), learningRate,
                    stepCount + 1);
            parameter.markModified();
        } else {
            update(parameter, decayed(parameter, quotient(gradientSum, divisor)), learningRate, stepCount + 1);
        }
    }

    @Override
    public final OptimizerState exportState() {
        return OptimizerState.of(kind, stepCount, buffers);
    }

    @Override
    public final void importState(OptimizerState state) {
        LinkedHashMap<String, Tensor> incoming = checkImport(state);
        buffers = incoming;
        stepCount = state.stepCount();
    }

    @Override
    public final void checkState(OptimizerState state, List<Tensor> parameters) {
        LinkedHashMap<String, Tensor> incoming = checkImport(state);
        checkParameters(parameters);
        checkBuffersFit(incoming, state.stepCount(), parameters);
    }

    /**
     * What {@link #importState} requires of a state: this kind, well-formed buffer groups, the layout
     * already held; returns a copy of its buffers.
     */
    private LinkedHashMap<String, Tensor> checkImport(OptimizerState state) {
        Objects.requireNonNull(state, "state");
        if (!state.kind().equals(kind)) {
            throw new IllegalArgumentException("cannot import the state of a '" + state.kind() + "' optimizer into a '"
                    + kind + "' optimizer");
        }
        LinkedHashMap<String, Tensor> incoming = state.buffers();
        if (state.stepCount() == 0 && !incoming.isEmpty()) {
            throw new IllegalArgumentException("state at step 0 has buffers " + list(incoming.keySet())
                    + " (expected: none before the first step)");
        }
        checkBufferGroups(incoming);
        if (!buffers.isEmpty() && !incoming.isEmpty()) {
            checkSameLayout(incoming);
        }
        return incoming;
    }

    /** The buffer {@code <parameter>.<suffix>}, or null before the first step. */
    final Tensor buffer(Tensor parameter, String suffix) {
        return buffers.get(key(parameter.name(), suffix));
    }

    /** A new zero buffer {@code <parameter>.<suffix>} shaped and typed like the parameter (on the first step). */
    final Tensor addBuffer(Tensor parameter, String suffix) {
        String key = key(parameter.name(), suffix);
        Tensor buffer = lastingZeros(parameter).named(key);
        buffers.put(key, buffer);
        return buffer;
    }

    /** A zero tensor shaped and typed like {@code like}, whose memory outlives any open workspace. */
    static Tensor lastingZeros(Tensor like) {
        return Tensor.lastingZeros(like.dtype(), like.shape());
    }

    /** The float32 elements of {@code t}. */
    static FloatBuffer floats(Tensor t) {
        return ((Storage.Float32) t.storage()).buffer();
    }

    /** {@code sum / divisor} rounded to the element type (a new tensor), or {@code sum} itself for a divisor of 1. */
    private static Tensor quotient(Tensor sum, float divisor) {
        if (divisor == 1) {
            return sum;
        }
        ElementArithmetic arithmetic = ElementArithmetic.of(sum.dtype());
        Storage s = sum.storage();
        Tensor out = Tensor.zeros(sum.dtype(), sum.shape());
        Storage q = out.storage();
        for (int i = 0; i < q.length(); i++) {
            q.set(i, arithmetic.round(s.get(i) / divisor));
        }
        return out;
    }

    /**
     * The gradient with torch's weight decay applied, {@code g + weightDecay·w} rounded to the
     * element type (a new tensor), or {@code gradient} itself when there is no weight decay.
     */
    private Tensor decayed(Tensor parameter, Tensor gradient) {
        if (weightDecay == 0) {
            return gradient;
        }
        ElementArithmetic arithmetic = ElementArithmetic.of(parameter.dtype());
        double decay = arithmetic.round(weightDecay);
        Storage w = parameter.storage();
        Storage g = gradient.storage();
        Tensor out = Tensor.zeros(parameter.dtype(), parameter.shape());
        Storage d = out.storage();
        for (int i = 0; i < d.length(); i++) {
            d.set(i, arithmetic.fma(decay, w.get(i), g.get(i)));
        }
        return out;
    }

    // ---- checks ---------------------------------------------------------------------------------

    /**
     * The checks every step makes before anything changes: divisor, learning rate, the parameters,
     * and the buffers from earlier steps.
     */
    private void checkStep(List<Tensor> parameters, float divisor, double learningRate) {
        Checks.positive("divisor", divisor);
        Checks.nonNegative("learningRate", learningRate);
        checkParameters(parameters);
        checkBuffersFit(buffers, stepCount, parameters);
    }

    private static void checkParameters(List<Tensor> parameters) {
        Objects.requireNonNull(parameters, "parameters");
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < parameters.size(); i++) {
            Tensor p = parameters.get(i);
            if (p == null) {
                throw new IllegalArgumentException("parameter " + i + " is null");
            }
            String name = p.name();
            if (name == null) {
                throw new IllegalArgumentException("parameter " + i + " (" + p.describe()
                        + ") has no name (expected: a unique name, set with Tensor.named)");
            }
            Integer previous = positions.putIfAbsent(name, i);
            if (previous != null) {
                throw new IllegalArgumentException("parameter name '" + name + "' appears twice, at positions "
                        + previous + " and " + i + " (expected: unique names)");
            }
        }
    }

    private static void checkGradient(Tensor p, Tensor g, int i) {
        if (g == null) {
            throw new IllegalArgumentException("no gradient for parameter '" + p.name() + "' (gradient " + i + " is null)");
        }
        if (!g.shape().equals(p.shape()) || g.dtype() != p.dtype()) {
            throw new IllegalArgumentException("gradient for parameter '" + p.name() + "' is " + g.shape() + " "
                    + dtypeName(g) + " (expected: " + p.shape() + " " + dtypeName(p) + ", like the parameter)");
        }
    }

    /** After the first step: exactly the buffers of these parameters, shaped and typed like them. */
    private void checkBuffersFit(Map<String, Tensor> held, long steps, List<Tensor> parameters) {
        if (steps == 0) {
            return;
        }
        Set<String> unused = new LinkedHashSet<>(held.keySet());
        for (Tensor p : parameters) {
            for (String suffix : suffixes) {
                String key = key(p.name(), suffix);
                Tensor b = held.get(key);
                if (b == null) {
                    throw new IllegalArgumentException("parameter '" + p.name() + "' has no optimizer state '" + key
                            + "' (the " + kind + " state after step " + steps + " has " + list(held.keySet()) + ")");
                }
                if (!b.shape().equals(p.shape()) || b.dtype() != p.dtype()) {
                    throw new IllegalArgumentException("optimizer state '" + key + "' is " + b.shape() + " " + dtypeName(b)
                            + " (expected: " + p.shape() + " " + dtypeName(p) + ", like parameter '" + p.name() + "')");
                }
                unused.remove(key);
            }
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException("optimizer state " + list(unused)
                    + " belongs to no parameter of this step (expected: the same parameters at every step)");
        }
    }

    /** Every key ends in one of the suffixes, and each parameter has all of them, alike in shape and type. */
    private void checkBufferGroups(Map<String, Tensor> incoming) {
        Map<String, List<Tensor>> groups = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : incoming.entrySet()) {
            String key = e.getKey();
            String suffix = suffixes.stream().filter(s -> key.endsWith("." + s)).findFirst().orElse(null);
            if (suffix == null || key.length() == suffix.length() + 1) {
                throw new IllegalArgumentException("state buffer '" + key + "' is not named <parameter>."
                        + (suffixes.isEmpty() ? "<nothing>" : String.join("|", suffixes))
                        + (suffixes.isEmpty() ? " (a '" + kind + "' optimizer keeps no buffers)" : ""));
            }
            groups.computeIfAbsent(key.substring(0, key.length() - suffix.length() - 1), k -> new ArrayList<>())
                    .add(e.getValue());
        }
        for (Map.Entry<String, List<Tensor>> group : groups.entrySet()) {
            String parameter = group.getKey();
            for (String suffix : suffixes) {
                Tensor b = incoming.get(key(parameter, suffix));
                if (b == null) {
                    throw new IllegalArgumentException("state has buffers for parameter '" + parameter + "' but no '"
                            + key(parameter, suffix) + "'");
                }
                Tensor first = group.getValue().get(0);
                if (!b.shape().equals(first.shape()) || b.dtype() != first.dtype()) {
                    throw new IllegalArgumentException("state buffer '" + key(parameter, suffix) + "' is " + b.shape() + " "
                            + dtypeName(b) + " (expected: " + first.shape() + " " + dtypeName(first) + ", like '"
                            + first.name() + "')");
                }
            }
        }
    }

    /** The incoming buffers have the same names, shapes and types as the ones held now. */
    private void checkSameLayout(Map<String, Tensor> incoming) {
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            Tensor b = incoming.get(e.getKey());
            if (b == null) {
                throw new IllegalArgumentException("state has no buffer '" + e.getKey() + "', which this optimizer holds"
                        + " (state has " + list(incoming.keySet()) + ")");
            }
            Tensor held = e.getValue();
            if (!b.shape().equals(held.shape()) || b.dtype() != held.dtype()) {
                throw new IllegalArgumentException("state buffer '" + e.getKey() + "' is " + b.shape() + " " + dtypeName(b)
                        + " (expected: " + held.shape() + " " + dtypeName(held) + ", like the buffer this optimizer holds)");
            }
        }
        for (String key : incoming.keySet()) {
            if (!buffers.containsKey(key)) {
                throw new IllegalArgumentException("state buffer '" + key + "' is not among this optimizer's buffers "
                        + list(buffers.keySet()));
            }
        }
    }

    private static String key(String parameter, String suffix) {
        return parameter + "." + suffix;
    }

    private static String dtypeName(Tensor t) {
        return t.dtype().name().toLowerCase();
    }

    private static String list(Set<String> names) {
        if (names.isEmpty()) {
            return "no buffers";
        }
        List<String> shown = names.stream().limit(MAX_LISTED).map(n -> "'" + n + "'").toList();
        return "[" + String.join(", ", shown) + (names.size() > MAX_LISTED ? ", ... " + names.size() + " in all" : "") + "]";
    }
}
