package dev.chainrule.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reverse-mode differentiation over a recorded graph.
 *
 * <p>The algorithm, exactly: build the reverse schedule, a topological order of the graph from the
 * output (the descendant) back to the leaves (the ancestors); seed the output's adjoint t_L = 1;
 * then visit the nodes in that order. When node c is visited, every child of c has already been
 * visited, so its adjoint t_c = Σ (∂f_k/∂f_c)·t_k over its children k is complete; c's op turns it
 * into one contribution (∂f_c/∂f_n)·t_c per parent n, which is added to t_n. Each adjoint is
 * computed once, stored, and reused for all of the node's parents; each op's backward rule runs
 * exactly once. Leaves that require a gradient finally add their adjoint to {@link Tensor#grad()}.
 *
 * <p>One thread runs a pass; passes over disjoint graphs may run concurrently on other threads.
 */
public final class Autograd {
    private static final AtomicLong PASSES = new AtomicLong();

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
        Adjoints adjoints = run(output, seed, retainGraph);
        adjoints.leaves().forEach(Tensor::accumulateGrad);
        return adjoints;
    }

    /**
     * The gradients of a scalar {@code output} with respect to {@code inputs}, returned rather than
     * accumulated into {@link Tensor#grad()} (like {@code torch.autograd.grad}); an input the output
     * does not depend on gets zeros. Releases the graph. Leaves' {@code grad()} is left untouched,
     * so passes over different graphs that share leaves may run on different threads.
     */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs) {
        if (output.size() != 1) {
            throw new IllegalArgumentException("grad() needs a scalar output, but " + describeNode(output)
                    + " has shape " + output.shape());
        }
        Adjoints adjoints = run(output, Tensor.full(output.dtype(), 1.0, output.shape()), false);
        List<Tensor> grads = new ArrayList<>(inputs.size());
        for (Tensor input : inputs) {
            Tensor g = adjoints.of(input);
            grads.add(g != null ? g : Tensor.zeros(input.dtype(), input.shape()));
        }
        return grads;
    }

    private static Adjoints run(Tensor output, Tensor seed, boolean retainGraph) {
        if (!output.requiresGrad()) {
            throw new IllegalArgumentException("backward from " + output.describe()
                    + ", which does not require grad: no input of the computation had requiresGrad(true)");
        }
        if (!seed.shape().equals(output.shape())) {
            throw new IllegalArgumentException("seed shape " + seed.shape() + " does not match output shape " + output.shape());
        }
        Tensor seedAdjoint = seed.dtype() == output.dtype() ? seed : seed.to(output.dtype());
        List<Tensor> schedule = reverseSchedule(output, PASSES.incrementAndGet());
        Tensor[] adjoints = new Tensor[schedule.size()];
        Map<Tensor, Tensor> leafAdjoints = new IdentityHashMap<>();
        if (output.isLeaf()) {
            leafAdjoints.put(output, seedAdjoint);
        } else {
            adjoints[0] = seedAdjoint;
        }
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int c = 0; c < schedule.size(); c++) {
                Op op = schedule.get(c).gradFn();
                Tensor[] contributions = op.runBackward(adjoints[c]);
                List<Tensor> parents = op.inputs();
                for (int p = 0; p < contributions.length; p++) {
                    Tensor parent = parents.get(p);
                    if (!parent.requiresGrad()) {
                        continue;
                    }
                    if (parent.isLeaf()) {
                        leafAdjoints.merge(parent, contributions[p], Autograd::sum);
                    } else {
                        int n = parent.gradFn().scheduleSlot;
                        adjoints[n] = adjoints[n] == null ? contributions[p] : sum(adjoints[n], contributions[p]);
                    }
                }
                if (!retainGraph) {
                    op.release();
                }
            }
        }
        return new Adjoints(schedule, adjoints, leafAdjoints);
    }

    /**
     * The non-leaf nodes that require grad and lead to {@code output}, each after all of its
     * children: {@code output} first, the nodes nearest the leaves last. An iterative depth-first
     * search with an explicit stack (so arbitrarily long chains do not overflow) emits the nodes
     * parents-first; reversed, that is the schedule. Each node's op records its slot in it.
     */
    static List<Tensor> reverseSchedule(Tensor output, long pass) {
        List<Tensor> order = new ArrayList<>();
        if (output.isLeaf()) {
            return order;
        }
        Deque<Frame> stack = new ArrayDeque<>();
        output.gradFn().schedulePass = pass;
        stack.push(new Frame(output));
        while (!stack.isEmpty()) {
            Frame frame = stack.peek();
            Tensor next = frame.nextUnscheduledParent(pass);
            if (next == null) {
                stack.pop();
                order.add(frame.node);
            } else {
                next.gradFn().schedulePass = pass;
                stack.push(new Frame(next));
            }
        }
        List<Tensor> schedule = new ArrayList<>(order.size());
        for (int i = order.size() - 1; i >= 0; i--) {
            order.get(i).gradFn().scheduleSlot = schedule.size();
            schedule.add(order.get(i));
        }
        return schedule;
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
            this.parents = node.gradFn().inputs();
        }

        /** The next parent that is an op output requiring grad and not yet scheduled in this pass. */
        Tensor nextUnscheduledParent(long pass) {
            while (next < parents.size()) {
                Tensor p = parents.get(next++);
                if (p.requiresGrad() && !p.isLeaf() && p.gradFn().schedulePass != pass) {
                    return p;
                }
            }
            return null;
        }
    }
}
