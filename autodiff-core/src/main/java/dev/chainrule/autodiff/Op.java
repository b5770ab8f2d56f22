package dev.chainrule.autodiff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One differentiable operation, applied once: a node of the computational graph.
 *
 * <p>Lifecycle: create a fresh instance, call {@link #apply} once. {@link #forward} computes the
 * output value and {@link #save saves} what the rules need. If recording is on and an input requires
 * a gradient, the output remembers this op, and {@link Autograd} later calls {@link #backward} once
 * per backward pass: it turns the output's adjoint t_c into each input's contribution
 * (∂f_c/∂f_n)·t_c. If an input carries a forward-mode tangent, {@link #jvp} runs right after forward.
 * Saved tensors are released after a backward pass unless the graph is retained.
 *
 * <p>The three rules run with recording off, so they may be written with ordinary ops.
 */
public abstract class Op {
    private final String name;
    private static final Tensor[] NONE = new Tensor[0];
    private Tensor[] inputs = NONE;
    private List<Tensor> saved = new ArrayList<>(2);
    private int[] savedVersions = new int[0];
    private boolean applied;
    private boolean released;
    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** Position in the order ops were applied in: an op is always newer than the ops that made its inputs. */
    final long sequence = SEQUENCE.incrementAndGet();
    /** The backward pass that last reached this node, and where that pass keeps its adjoint. */
    long schedulePass;
    int scheduleSlot;

    /** @param name the op's name, used in error messages and graph pictures */
    protected Op(String name) {
        this.name = name;
    }

    /** The op's name. */
    public final String name() {
        return name;
    }

    /** The inputs this op was applied to (the parent nodes in the graph). */
    public final List<Tensor> inputs() {
        return List.of(inputs);
    }

    /** Computes the output, records this op in the graph when needed, and propagates tangents. */
    public final Tensor apply(Tensor... in) {
        if (applied) {
            throw new IllegalStateException("op '" + name + "' was already applied; create a new instance per application");
        }
        applied = true;
        inputs = in.clone();
        boolean record = false;
        boolean tangents = false;
        for (Tensor t : in) {
            record |= t.requiresGrad();
            tangents |= t.tangent() != null;
        }
        record &= GradMode.isEnabled();
        Tensor out;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            out = forward(in);
            if (tangents) {
                Tensor[] t = new Tensor[in.length];
                for (int i = 0; i < in.length; i++) {
                    t[i] = in[i].tangent();
                }
                Tensor tangent = jvp(t);
                requireShape("jvp", "output tangent", tangent, out.shape());
                out.setTangent(tangent);
            }
        }
        if (record) {
            out.setGradFn(this);
        } else {
            releaseSaved();
            inputs = NONE;
        }
        return out;
    }

    /** Computes the output value from the inputs; called once with recording off. */
    protected abstract Tensor forward(Tensor[] in);

    /**
     * The backward rule: given the output's adjoint, returns one contribution per input, of that
     * input's shape, or null for an input that needs none ({@link #needsGrad}).
     */
    protected Tensor[] backward(Tensor gradOutput) {
        throw new UnsupportedOperationException("op '" + name + "' has no backward rule");
    }

    /** The forward-mode rule: the output's tangent from the inputs' tangents (null means zero). */
    protected Tensor jvp(Tensor[] tangents) {
        throw new UnsupportedOperationException("op '" + name + "' has no forward-mode (jvp) rule");
    }

    /** Saves a tensor for the rules, remembering its version; returns its index for {@link #saved}. */
    protected final int save(Tensor t) {
        saved.add(t);
        savedVersions = Arrays.copyOf(savedVersions, saved.size());
        savedVersions[saved.size() - 1] = t.version();
        return saved.size() - 1;
    }

    /** A tensor saved by forward, after checking that it was not released or modified in place since. */
    protected final Tensor saved(int index) {
        if (released) {
            throw new IllegalStateException("op '" + name + "' has released its saved tensors after a previous backward pass;"
                    + " pass retainGraph=true to the first backward to differentiate through this graph again");
        }
        Tensor t = saved.get(index);
        if (t.version() != savedVersions[index]) {
            throw new IllegalStateException(t.describe() + " saved by op '" + name + "' for backward was modified in place"
                    + " (version " + savedVersions[index] + " when saved, now " + t.version() + ")");
        }
        return t;
    }

    /** True when input {@code index} requires a gradient, so the backward rule must produce its contribution. */
    protected final boolean needsGrad(int index) {
        return inputs[index].requiresGrad();
    }

    /** Runs the backward rule (the caller has turned recording off) and checks every contribution's shape. */
    final Tensor[] runBackward(Tensor gradOutput) {
        if (released) {
            throw new IllegalStateException("backward through op '" + name + "' a second time: its saved tensors were released"
                    + " by the previous backward pass; pass retainGraph=true to the first backward");
        }
        Tensor[] contributions = backward(gradOutput);
        if (contributions.length != inputs.length) {
            throw new IllegalStateException("op '" + name + "' backward returned " + contributions.length
                    + " contributions for " + inputs.length + " inputs");
        }
        for (int i = 0; i < contributions.length; i++) {
            if (contributions[i] != null) {
                requireShape("backward", "contribution to input " + i, contributions[i], inputs[i].shape());
            } else if (needsGrad(i)) {
                throw new IllegalStateException("op '" + name + "' backward returned no contribution for input " + i
                        + " (" + inputs[i].describe() + "), which requires grad");
            }
        }
        return contributions;
    }

    /** The inputs, without a copy, for the engine's graph walks. */
    final Tensor[] inputArray() {
        return inputs;
    }

    /** Drops saved tensors after a backward pass, so the graph cannot be differentiated again. */
    final void release() {
        releaseSaved();
        released = true;
    }

    private void releaseSaved() {
        saved = List.of();
    }

    private void requireShape(String rule, String what, Tensor t, Shape expected) {
        if (!t.shape().equals(expected)) {
            throw new IllegalStateException("op '" + name + "' " + rule + " produced " + what + " of shape " + t.shape()
                    + " (expected: " + expected + ")");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
