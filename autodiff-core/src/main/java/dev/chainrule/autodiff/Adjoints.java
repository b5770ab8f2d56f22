package dev.chainrule.autodiff;

import java.util.Collections;
import java.util.Map;

/** The adjoint t_n of every node reached by one backward pass, keyed by node identity. */
public final class Adjoints {
    private final Map<Tensor, Tensor> byNode;

    Adjoints(Map<Tensor, Tensor> byNode) {
        this.byNode = Collections.unmodifiableMap(byNode);
    }

    /** The adjoint of {@code node} (∂output/∂node), or null if the pass did not reach it. */
    public Tensor of(Tensor node) {
        return byNode.get(node);
    }

    /** Number of nodes reached. */
    public int size() {
        return byNode.size();
    }
}
