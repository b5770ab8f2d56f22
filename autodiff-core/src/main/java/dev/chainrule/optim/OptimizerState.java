package dev.chainrule.optim;

import dev.chainrule.autodiff.Tensor;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of an optimiser's state, for checkpoints: its kind, the number of steps it
 * has taken, and its buffers, keyed {@code <parameter name>.<buffer>} (for example
 * {@code fc1.weight.exp_avg}) in the optimiser's order.
 *
 * <p>The buffers are deep-copied when the state is made and again by {@link #buffers()}, so no
 * tensor held here is ever shared; the copies never come from a {@link dev.chainrule.autodiff.Workspace}.
 */
public final class OptimizerState {
    private final String kind;
    private final long stepCount;
    private final LinkedHashMap<String, Tensor> buffers;

    private OptimizerState(String kind, long stepCount, LinkedHashMap<String, Tensor> buffers) {
        this.kind = kind;
        this.stepCount = stepCount;
        this.buffers = buffers;
    }

    /**
     * A state holding copies of {@code buffers} (in the map's iteration order); for example one read
     * back from a checkpoint. Whether it fits an optimiser is checked by {@link Optimizer#importState}.
     */
    public static OptimizerState of(String kind, long stepCount, Map<String, Tensor> buffers) {
        Objects.requireNonNull(kind, "kind");
        if (kind.isBlank()) {
            throw new IllegalArgumentException("kind : '" + kind + "' (expected: an optimizer kind, e.g. adam)");
        }
        Checks.atLeast("stepCount", stepCount, 0);
        Objects.requireNonNull(buffers, "buffers");
        return new OptimizerState(kind, stepCount, deepCopy(buffers));
    }

    /** The kind of optimiser that exported this state (for example {@code adam}). */
    public String kind() {
        return kind;
    }

    /** The number of steps taken when the state was exported. */
    public long stepCount() {
        return stepCount;
    }

    /**
     * The names of the buffers each parameter has, the part of each key after its last dot (buffer
     * names have none), in the order they first appear: {@code [exp_avg, exp_avg_sq]} for Adam, none
     * before the first step.
     */
    public List<String> bufferNames() {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        buffers.keySet().forEach(key -> names.add(key.substring(key.lastIndexOf('.') + 1)));
        return List.copyOf(names);
    }

    /** A fresh deep copy of the buffers, in order, each tensor named after its key. */
    public LinkedHashMap<String, Tensor> buffers() {
        return deepCopy(buffers);
    }

    private static LinkedHashMap<String, Tensor> deepCopy(Map<String, Tensor> buffers) {
        LinkedHashMap<String, Tensor> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            String name = Objects.requireNonNull(e.getKey(), "buffer name");
            Tensor value = e.getValue();
            if (value == null) {
                throw new IllegalArgumentException("buffer '" + name + "' is null");
            }
            Tensor buffer = AbstractOptimizer.lastingZeros(value).named(name);
            buffer.copyFrom(value);
            copy.put(name, buffer);
        }
        return copy;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("OptimizerState[kind=").append(kind).append(", stepCount=").append(stepCount)
                .append(", buffers={");
        String separator = "";
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            s.append(separator).append(e.getKey()).append('=').append(e.getValue().shape());
            separator = ", ";
        }
        return s.append("}]").toString();
    }
}
