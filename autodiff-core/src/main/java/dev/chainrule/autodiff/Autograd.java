package dev.chainrule.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation over a recorded graph.
 *
 * <p>The algorithm, exactly: sort the graph topologically from the output (the descendant) back to
 * the leaves (the ancestors), seed the output's adjoint t_L = 1, then visit the nodes in reverse
 * topological order. When node c is visited, every child of c has already been visited, so its
 * adjoint t_c = Σ (∂f_k/∂f_c)·t_k over its children k is complete; c's op turns it into one
 * contribution (∂f_c/∂f_n)·t_c per parent n, which is added to t_n. Each adjoint is computed once,
 * stored, and reused for all of the node's parents; each op's backward rule runs exactly once.
 * Leaves that require a gradient add their adjoint to {@link Tensor#grad()}.
 */
public final class Autograd {
    private Autograd() {
    }

    /** Backward from a scalar output with seed 1; releases the graph. */
    public static Adjoints backward(Tensor output) {
        if (output.size() != 1) {
            throw new IllegalArgumentException("backward() without a seed needs a scalar output, but "
                    + describeNode(output) + " has shape " + output.shape()
                    + "; reduce it (e.g. sum or mean) or pass a seed of that shape");
        }
        return backward(output, Tensor.full(output.dtype(), 1.0, output.shape()), false);
    }

    /**
     * Backward from {@code output} with an explicit seed (its adjoint, same shape). With
     * {@code retainGraph} the ops keep their saved tensors so the graph can be differentiated again.
     *
     * @return the adjoint of every node reached in this pass
     */
    public static Adjoints backward(Tensor output, Tensor seed, boolean retainGraph) {
        if (!output.requiresGrad()) {
            throw new IllegalArgumentException("backward from " + output.describe()
                    + ", which does not require grad: no input of the computation had requiresGrad(true)");
        }
        if (!seed.shape().equals(output.shape())) {
            throw new IllegalArgumentException("seed shape " + seed.shape() + " does not match output shape " + output.shape());
        }
        List<Tensor> order = topologicalOrder(output);
        Map<Tensor, Tensor> adjoints = new IdentityHashMap<>(order.size() * 2);
        adjoints.put(output, seed.dtype() == output.dtype() ? seed : seed.to(output.dtype()));
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor node = order.get(i);
                Tensor adjoint = adjoints.get(node);
                if (node.isLeaf()) {
                    node.accumulateGrad(adjoint);
                    continue;
                }
                Op op = node.gradFn();
                Tensor[] contributions = op.runBackward(adjoint);
                List<Tensor> parents = op.inputs();
                for (int p = 0; p < contributions.length; p++) {
                    Tensor parent = parents.get(p);
                    if (parent.requiresGrad()) {
                        adjoints.merge(parent, contributions[p], Autograd::sum);
                    }
                }
                if (!retainGraph) {
                    op.release();
                }
            }
        }
        return new Adjoints(adjoints);
    }

    /**
     * The nodes that require grad and lead to {@code output}, parents before children. Iterative
     * depth-first search with an explicit stack, so arbitrarily long chains do not overflow.
     */
    static List<Tensor> topologicalOrder(Tensor output) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Frame> stack = new ArrayDeque<>();
        visited.add(output);
        stack.push(new Frame(output));
        while (!stack.isEmpty()) {
            Frame frame = stack.peek();
            Tensor next = frame.nextUnvisitedParent(visited);
            if (next == null) {
                stack.pop();
                order.add(frame.node);
            } else {
                visited.add(next);
                stack.push(new Frame(next));
            }
        }
        return order;
    }

    private static Tensor sum(Tensor a, Tensor b) {
        Tensor out = Tensor.zeros(a.dtype(), a.shape());
        Storage s = out.storage();
        for (int i = 0; i < a.size(); i++) {
            s.set(i, a.getFlat(i) + b.getFlat(i));
        }
        return out;
    }

    private static String describeNode(Tensor t) {
        return t.isLeaf() ? t.describe() : "the output of op '" + t.gradFn().name() + "'";
    }

    /** A node on the depth-first search stack and how far its parents have been explored. */
    private static final class Frame {
        final Tensor node;
        final List<Tensor> parents;
        int next;

        Frame(Tensor node) {
            this.node = node;
            this.parents = node.isLeaf() ? List.of() : node.gradFn().inputs();
        }

        Tensor nextUnvisitedParent(Set<Tensor> visited) {
            while (next < parents.size()) {
                Tensor p = parents.get(next++);
                if (p.requiresGrad() && !visited.contains(p)) {
                    return p;
                }
            }
            return null;
        }
    }
}
