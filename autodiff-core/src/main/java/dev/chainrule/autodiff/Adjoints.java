package dev.chainrule.autodiff;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** The adjoint t_n of every node reached by one backward pass: the op outputs and the leaves. */
public final class Adjoints {
    private final Map<Tensor, Tensor> byNode;
    private final Map<Tensor, Tensor> leaves;

    Adjoints(List<Tensor> nodes, List<Tensor> adjoints, Map<Tensor, Tensor> leaves) {
        this.leaves = leaves;
        byNode = new IdentityHashMap<>(leaves);
        for (int i = 0; i < nodes.size(); i++) {
            byNode.put(nodes.get(i), adjoints.get(i));
        }
    }

    /** The adjoint of {@code node} (∂output/∂node), or null if the pass did not reach it. */
    public Tensor of(Tensor node) {
        return byNode.get(node);
    }

    /** The adjoints of the leaves that require grad. */
    Map<Tensor, Tensor> leaves() {
        return leaves;
    }

    /** Number of nodes reached. */
    public int size() {
        return byNode.size();
    }
}
