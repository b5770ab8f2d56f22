package dev.chainrule.autodiff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reverse-mode differentiation over a recorded graph.
 *
 * <p>The algorithm, exactly: seed the output's adjoint t_L = 1, then visit the nodes that lead to
 * the output (from the descendant back to the ancestors) in reverse topological order. When node c
 * is visited, every child of c has already been visited, so its adjoint
 * t_c = Σ (∂f_k/∂f_c)·t_k over its children k is complete; c's op turns it into one contribution
 * (∂f_c/∂f_n)·t_c per parent n, which is added to t_n. Each adjoint is computed once, stored, and
 * reused for all of the node's parents; each op's backward rule runs exactly once. Leaves that
 * require a gradient finally add their adjoint to {@link Tensor#grad()}.
 *
 * <p>The reverse schedule comes from the order the graph was recorded in: an op is applied after
 * the ops that produced its inputs, so its sequence number is larger than theirs, and visiting
 * nodes newest first is a reverse topological order. A priority queue keyed by sequence number,
 * started at the output, holds the nodes reached but not yet visited; a node enters it when its
 * first child is visited. This visits exactly the nodes that lead to the output, with an explicit
 * queue instead of recursion, so arbitrarily long chains work.
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
        return gradients(output, inputs, null);
    }

    /**
     * As {@link #grad(Tensor, List)}, and hands each input's gradient to {@code ready} as soon as it
     * is final, in the middle of the pass: a leaf's adjoint once the last node that uses it has been
     * visited, an op output's when it is visited itself. A leaf's uses are counted before the pass
     * (the nodes that lead to the output, and their edges to it), so the moment is exact, not guessed.
     * Inputs reach {@code ready} in the order the reverse schedule finishes them (for an MLP, the last
     * layer's parameters first), each exactly once; inputs the output does not depend on get zeros, at
     * the end. {@code ready} runs on the caller's thread with recording off; it may read the gradient
     * (e.g. to send it) but must not change it.
     */
    public static List<Tensor> grad(Tensor output, List<Tensor> inputs, GradientListener ready) {
        return gradients(output, inputs, Objects.requireNonNull(ready, "ready"));
    }

    private static List<Tensor> gradients(Tensor output, List<Tensor> inputs, GradientListener ready) {
        if (output.size() != 1) {
            throw new IllegalArgumentException("grad() needs a scalar output, but " + describeNode(output)
                    + " has shape " + output.shape());
        }
        Finisher finisher = ready == null ? null : new Finisher(output, inputs, ready);
        Adjoints adjoints = run(output, Tensor.full(output.dtype(), 1.0, output.shape()), false, finisher);
        List<Tensor> grads = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            Tensor input = inputs.get(i);
            Tensor g = adjoints.of(input);
            grads.add(g != null ? g : Tensor.zeros(input.dtype(), input.shape()));
            if (finisher != null) {
                finisher.finish(i, grads.get(i));
            }
        }
        return grads;
    }

    /** Receives an input's gradient from {@link #grad(Tensor, List, GradientListener)} as soon as it is final. */
    @FunctionalInterface
    public interface GradientListener {
        /** The gradient of the output with respect to {@code inputs.get(input)}, final; read it, do not change it. */
        void ready(int input, Tensor gradient);
    }

    private static Adjoints run(Tensor output, Tensor seed, boolean retainGraph) {
        return run(output, seed, retainGraph, null);
    }

    private static Adjoints run(Tensor output, Tensor seed, boolean retainGraph, Finisher finisher) {
        if (!output.requiresGrad()) {
            throw new IllegalArgumentException("backward from " + output.describe()
                    + ", which does not require grad: no input of the computation had requiresGrad(true)");
        }
        if (!seed.shape().equals(output.shape())) {
            throw new IllegalArgumentException("seed shape " + seed.shape() + " does not match output shape " + output.shape());
        }
        Tensor seedAdjoint = seed.dtype() == output.dtype() ? seed : seed.to(output.dtype());
        Schedule schedule = new Schedule(PASSES.incrementAndGet());
        Map<Tensor, Tensor> leafAdjoints = new IdentityHashMap<>();
        if (output.isLeaf()) {
            leafAdjoints.put(output, seedAdjoint);
        } else {
            schedule.reach(output, seedAdjoint);
        }
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (Tensor node = schedule.next(); node != null; node = schedule.next()) {
                Op op = node.gradFn();
                if (finisher != null) {
                    finisher.visited(node, schedule.adjointOf(op));
                }
                Tensor[] contributions = op.runBackward(schedule.adjointOf(op));
                Tensor[] parents = op.inputArray();
                for (int p = 0; p < contributions.length; p++) {
                    Tensor parent = parents[p];
                    if (!parent.requiresGrad()) {
                        continue;
                    }
                    if (parent.isLeaf()) {
                        Tensor adjoint = leafAdjoints.merge(parent, contributions[p], Autograd::sum);
                        if (finisher != null) {
                            finisher.leafUsed(parent, adjoint);
                        }
                    } else {
                        schedule.add(parent, contributions[p]);
                    }
                }
                if (!retainGraph) {
                    op.release();
                }
            }
        }
        return new Adjoints(schedule.reached, schedule.adjoints, leafAdjoints);
    }

    /**
     * The reverse schedule of one pass: the nodes reached so far with their adjoints, and the
     * priority queue of those not yet visited, newest (largest sequence number) first.
     */
    private static final class Schedule {
        final long pass;
        final List<Tensor> reached = new ArrayList<>();
        final List<Tensor> adjoints = new ArrayList<>();
        final PriorityQueue<Tensor> pending =
                new PriorityQueue<>(Comparator.comparingLong((Tensor t) -> t.gradFn().sequence).reversed());

        Schedule(long pass) {
            this.pass = pass;
        }

        /** Adds a contribution to {@code node}'s adjoint, scheduling the node the first time it is reached. */
        void add(Tensor node, Tensor contribution) {
            Op op = node.gradFn();
            if (op.schedulePass == pass) {
                adjoints.set(op.scheduleSlot, sum(adjoints.get(op.scheduleSlot), contribution));
            } else {
                reach(node, contribution);
            }
        }

        void reach(Tensor node, Tensor adjoint) {
            Op op = node.gradFn();
            op.schedulePass = pass;
            op.scheduleSlot = reached.size();
            reached.add(node);
            adjoints.add(adjoint);
            pending.add(node);
        }

        /** The next node to visit: the newest one reached and not yet visited, or null when done. */
        Tensor next() {
            return pending.poll();
        }

        Tensor adjointOf(Op op) {
            return adjoints.get(op.scheduleSlot);
        }
    }

    /**
     * Tells a {@link GradientListener} when each input's adjoint is final: counts, before the pass,
     * the edges from the nodes that lead to the output into each input leaf, and counts them down as
     * the pass adds their contributions; an op output is final when the schedule visits it.
     */
    private static final class Finisher {
        private final Map<Tensor, Integer> positions = new IdentityHashMap<>();
        private final Map<Tensor, Integer> usesLeft = new IdentityHashMap<>();
        private final boolean[] finished;
        private final GradientListener ready;

        Finisher(Tensor output, List<Tensor> inputs, GradientListener ready) {
            this.ready = ready;
            this.finished = new boolean[inputs.size()];
            for (int i = 0; i < inputs.size(); i++) {
                positions.putIfAbsent(inputs.get(i), i);
            }
            Set<Op> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            ArrayDeque<Tensor> open = new ArrayDeque<>();
            if (!output.isLeaf() && output.requiresGrad()) {
                open.push(output);
                seen.add(output.gradFn());
            }
            while (!open.isEmpty()) {
                for (Tensor parent : open.pop().gradFn().inputArray()) {
                    if (!parent.requiresGrad()) {
                        continue;
                    }
                    if (parent.isLeaf()) {
                        usesLeft.merge(parent, 1, Integer::sum);
                    } else if (seen.add(parent.gradFn())) {
                        open.push(parent);
                    }
                }
            }
        }

        /** The schedule visits {@code node}, whose adjoint is now complete. */
        void visited(Tensor node, Tensor adjoint) {
            Integer position = positions.get(node);
            if (position != null) {
                finish(position, adjoint);
            }
        }

        /** One more use of {@code leaf} has added its contribution; the sum so far is {@code adjoint}. */
        void leafUsed(Tensor leaf, Tensor adjoint) {
            Integer position = positions.get(leaf);
            if (position != null && usesLeft.merge(leaf, -1, Integer::sum) == 0) {
                finish(position, adjoint);
            }
        }

        /** Hands input {@code position}'s gradient to the listener, unless it already had it. */
        void finish(int position, Tensor gradient) {
            if (!finished[position]) {
                finished[position] = true;
                ready.ready(position, gradient);
            }
        }
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
}
