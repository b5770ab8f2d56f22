package dev.chainrule.train.partition;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An optimiser state's buffers read as a table, holder (a parameter, or a piece) by buffer, checked
 * complete: keys {@code <holder>.<buffer>} (buffer names have no dot), float32 and shaped like their
 * holder; none before the first step, and after it every buffer for every holder.
 */
final class StateBuffers {
    private static final int MAX_LISTED = 8;

    private final List<String> buffers;
    private final Map<String, Tensor> byKey;

    private StateBuffers(List<String> buffers, Map<String, Tensor> byKey) {
        this.buffers = buffers;
        this.byKey = byKey;
    }

    /**
     * The buffers of {@code state}, whose holders are {@code holders} (names and shapes); {@code whose}
     * says whose state it is in messages (e.g. "partition 2's state").
     *
     * @throws IllegalArgumentException naming a buffer that belongs to no holder or is shaped unlike
     *     it, or a holder that lacks a buffer
     */
    static StateBuffers of(OptimizerState state, Map<String, Shape> holders, String whose) {
        LinkedHashMap<String, Tensor> byKey = state.buffers();
        if (state.stepCount() == 0 && !byKey.isEmpty()) {
            throw new IllegalArgumentException(whose + " at step 0 has buffers " + list(byKey.keySet())
                    + " (expected: none before the first step)");
        }
        Set<String> buffers = new LinkedHashSet<>();
        byKey.forEach((key, b) -> {
            int dot = key.lastIndexOf('.');
            Shape shape = dot < 0 ? null : holders.get(key.substring(0, dot));
            if (shape == null || dot == key.length() - 1) {
                throw new IllegalArgumentException(whose + " has buffer '" + key + "', which is not named <holder>.<buffer>"
                        + " for one of its holders " + list(holders.keySet()));
            }
            if (!b.shape().equals(shape) || b.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException(whose + " has buffer '" + key + "' " + b.shape() + " "
                        + b.dtype().name().toLowerCase() + " (expected: float32 " + shape + ", like '" + key.substring(0, dot) + "')");
            }
            buffers.add(key.substring(dot + 1));
        });
        for (String holder : holders.keySet()) {
            for (String buffer : buffers) {
                if (!byKey.containsKey(key(holder, buffer))) {
                    throw new IllegalArgumentException(whose + " has no buffer '" + key(holder, buffer) + "' (it has "
                            + list(byKey.keySet()) + ")");
                }
            }
        }
        return new StateBuffers(List.copyOf(buffers), byKey);
    }

    /** The buffer names after the holder's, in the order of the state's first holder (e.g. exp_avg, exp_avg_sq). */
    List<String> buffers() {
        return buffers;
    }

    /** The buffer {@code buffer} of {@code holder}. */
    Tensor get(String holder, String buffer) {
        return byKey.get(key(holder, buffer));
    }

    /** The state key {@code <holder>.<buffer>}. */
    static String key(String holder, String buffer) {
        return holder + "." + buffer;
    }

    private static String list(Set<String> names) {
        List<String> shown = new ArrayList<>();
        names.stream().limit(MAX_LISTED).forEach(n -> shown.add("'" + n + "'"));
        return "[" + String.join(", ", shown) + (names.size() > MAX_LISTED ? ", ... " + names.size() + " in all" : "") + "]";
    }
}
