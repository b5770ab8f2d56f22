package dev.chainrule.train;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.Optimizer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one step's shard gradients into the model's update, parameter by parameter, as they arrive:
 * each parameter's gradients are added in shard order (shard 0 + shard 1 + …, whatever order they
 * came in: a shard that arrives early waits for the ones before it), and as soon as the last shard
 * of a parameter is added, the optimiser updates that parameter, dividing the sum by the batch size
 * inside its update ({@link Optimizer#begin}). The float32 additions always happen in the same order,
 * so the weights are the same bits however, wherever and in whatever order the shards were computed.
 * A distributed step thus updates the last layer while the first layer's gradients still travel.
 *
 * <p>A repeat of a shard's gradient of a parameter is ignored. The gradients are read, not copied,
 * when their turn comes, and kept until the step ends: each must stay unchanged until then; with one
 * shard, its gradients themselves are the sums.
 *
 * <p>An {@code undoable} reduction runs undoable optimiser steps: each parameter's values (and
 * optimiser buffers) from before its update are kept, so that {@link #startingValues} gives the
 * weights the step started from after some parameters moved on (to recompute a lost worker's
 * shards), {@link #retract} takes back a shard that will not be completed (its worker was lost, or
 * broke the protocol, half-way: nothing of it stays in the weights), and {@link #undo} takes a failed
 * step back.
 *
 * <p>Lifecycle, per step: {@link #begin}, then {@link #add} every non-empty shard's gradient of every
 * parameter and {@link #addLoss} every shard's loss, then {@link #finish} (or {@link #undo}).
 * Thread-safe (every method holds this object's monitor and calls nothing outside the optimiser and
 * its own buffers), so that gRPC threads may add while the training thread waits.
 */
public final class StepReduction {
    private final List<Tensor> parameters;
    private final Optimizer optimizer;
    private final Tensor[] sums;
    private final boolean undoable;
    private Optimizer.StepInProgress update;
    private ShardPlan plan;
    private float divisor;
    private double learningRate;
    /** The gradients given, by shard and parameter, kept until the step ends. */
    private Tensor[][] given;
    /** Each parameter's sum so far: null, then the first shard's own gradient, then a sum buffer. */
    private final Tensor[] partial;
    /** Each parameter's next shard to add; plan.shards() once every shard is added, which is when the parameter is updated. */
    private final int[] nextShard;
    private double[] lossSums;
    private int[] samples;

    /**
     * Reductions of gradients shaped like {@code parameters}, which {@code optimizer} updates, in
     * undoable steps when {@code undoable}.
     */
    public StepReduction(List<Tensor> parameters, Optimizer optimizer, boolean undoable) {
        this.parameters = List.copyOf(parameters);
        this.optimizer = optimizer;
        this.sums = new Tensor[this.parameters.size()];
        this.partial = new Tensor[this.parameters.size()];
        this.nextShard = new int[this.parameters.size()];
        this.undoable = undoable;
    }

    /**
     * Starts a step over the shards of {@code plan}, whose gradient sums the optimiser divides by
     * {@code divisor} (the batch size) with learning rate {@code learningRate}.
     *
     * @throws IllegalStateException when the previous step has not finished
     */
    public synchronized void begin(ShardPlan plan, float divisor, double learningRate) {
        if (update != null) {
            throw new IllegalStateException("the previous step's reduction has not finished");
        }
        this.plan = plan;
        if (firstNonEmpty(0) == plan.shards()) {
            throw new IllegalArgumentException("the batch has no samples");
        }
        this.divisor = divisor;
        this.learningRate = learningRate;
        update = optimizer.begin(parameters, divisor, learningRate, undoable);
        given = new Tensor[plan.shards()][parameters.size()];
        lossSums = new double[plan.shards()];
        samples = new int[plan.shards()];
        restartSums();
    }

    /**
     * Shard {@code shard}'s gradient of the summed loss with respect to parameter {@code parameter};
     * adds it (and any later shards' that waited for it) to the parameter's sum, and updates the
     * parameter when every shard is in. Returns whether this call updated the parameter.
     *
     * @throws IllegalArgumentException for an empty or unknown shard, or a gradient shaped unlike the parameter
     */
    public synchronized boolean add(int shard, int parameter, Tensor gradient) {
        checkStarted();
        Tensor p = parameters.get(parameter);
        if (shard < 0 || shard >= plan.shards() || plan.size(shard) == 0) {
            throw new IllegalArgumentException("shard " + shard + " (expected: a non-empty shard of " + plan.shards() + ")");
        }
        if (!gradient.shape().equals(p.shape()) || gradient.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("gradient of shard " + shard + " is " + gradient.describe() + " (expected: float32 "
                    + p.shape() + " for " + p.name() + ")");
        }
        if (given[shard][parameter] != null) {
            return false;
        }
        given[shard][parameter] = gradient;
        return advance(parameter);
    }

    /**
     * Takes back everything given for shard {@code shard}, which will not be completed as given (its
     * worker was lost, or broke the protocol, half-way); the shard may be given again, e.g. recomputed
     * by another worker. When some of its gradients had already been added, the optimiser step is
     * undone and every other shard's gradients are added again, in shard order: parameters they
     * complete are updated again. Returns whether anything was taken back; {@link #updated} then
     * tells which parameters stand updated.
     *
     * @throws IllegalStateException when the reduction is not undoable
     */
    public synchronized boolean retract(int shard) {
        checkStarted();
        if (!undoable) {
            throw new IllegalStateException("a reduction that is not undoable cannot take a shard back");
        }
        boolean any = false;
        for (int p = 0; p < parameters.size(); p++) {
            any |= given[shard][p] != null;
            given[shard][p] = null;
        }
        lossSums[shard] = 0;
        samples[shard] = 0;
        if (!any) {
            return false;
        }
        update.undo();
        update = optimizer.begin(parameters, divisor, learningRate, true);
        restartSums();
        for (int p = 0; p < parameters.size(); p++) {
            advance(p);
        }
        return true;
    }

    /**
     * Adds parameter {@code p}'s next shards that were given, in shard order, and updates it once all
     * are in; returns whether it did. Called only while {@code p} is not complete (a complete
     * parameter has every shard given, so nothing new reaches it).
     */
    private boolean advance(int p) {
        while (nextShard[p] < plan.shards() && given[nextShard[p]][p] != null) {
            partial[p] = plus(p, given[nextShard[p]][p]);
            nextShard[p] = firstNonEmpty(nextShard[p] + 1);
        }
        if (nextShard[p] < plan.shards()) {
            return false;
        }
        update.update(p, partial[p]);
        return true;
    }

    /** Forgets every sum: no shard added, no parameter updated. */
    private void restartSums() {
        Arrays.fill(partial, null);
        for (int p = 0; p < parameters.size(); p++) {
            nextShard[p] = firstNonEmpty(0);
        }
    }

    /** Shard {@code shard}'s loss summed over its {@code samples} samples; a repeat replaces it with the same value. */
    public synchronized void addLoss(int shard, double lossSum, int samples) {
        checkStarted();
        lossSums[shard] = lossSum;
        this.samples[shard] = samples;
    }

    /** Whether parameter {@code parameter} has been updated in the step in progress. */
    public synchronized boolean updated(int parameter) {
        return update != null && nextShard[parameter] == plan.shards();
    }

    /**
     * The values parameter {@code parameter} had when the step began: the parameter itself until its
     * update, then the copy kept from before it (valid until this parameter's next update).
     *
     * @throws IllegalStateException when the reduction is not undoable, or no step is in progress
     */
    public synchronized Tensor startingValues(int parameter) {
        checkStarted();
        return update.valuesBefore(parameter);
    }

    /**
     * Takes the step in progress back, if any: the parameters updated so far, and their optimiser
     * state, get their values from before the step.
     *
     * @throws IllegalStateException when the reduction is not undoable
     */
    public synchronized void undo() {
        if (update != null) {
            update.undo();
            update = null;
            given = null;
        }
    }

    /**
     * Ends the step once every parameter is updated; returns the mean loss over the batch (the shards'
     * loss sums added in shard order, divided by the samples).
     *
     * @throws IllegalStateException naming what is missing
     */
    public synchronized double finish() {
        checkStarted();
        List<String> missing = new ArrayList<>();
        for (int p = 0; p < parameters.size(); p++) {
            if (nextShard[p] < plan.shards()) {
                missing.add(parameters.get(p).name() + " (from shard " + nextShard[p] + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the step is missing the gradients of " + missing);
        }
        double lossSum = 0;
        int total = 0;
        for (int s = 0; s < plan.shards(); s++) {
            if (plan.size(s) > 0 && samples[s] != plan.size(s)) {
                throw new IllegalStateException("shard " + s + " reported " + samples[s] + " samples (expected: " + plan.size(s) + ")");
            }
            lossSum += lossSums[s];
            total += samples[s];
        }
        update.finish();
        update = null;
        given = null;
        return lossSum / total;
    }

    /** The sum so far of {@code parameter} plus {@code gradient}: the gradient itself for the first shard. */
    private Tensor plus(int parameter, Tensor gradient) {
        Tensor sum = partial[parameter];
        if (sum == null) {
            return gradient;
        }
        if (sums[parameter] == null) {
            sums[parameter] = lasting(parameters.get(parameter));
        }
        Tensor into = sums[parameter];
        FloatBuffer a = floats(sum);
        FloatBuffer b = floats(gradient);
        FloatBuffer out = floats(into);
        for (int i = 0, n = out.capacity(); i < n; i++) {
            out.put(i, a.get(i) + b.get(i));
        }
        return into;
    }

    private int firstNonEmpty(int from) {
        int s = from;
        while (s < plan.shards() && plan.size(s) == 0) {
            s++;
        }
        return s;
    }

    private void checkStarted() {
        if (update == null) {
            throw new IllegalStateException("no step has begun");
        }
    }

    private static Tensor lasting(Tensor like) {
        return Tensor.wrap(like.shape(), Storage.allocateLasting(DType.FLOAT32, like.size()));
    }

    private static FloatBuffer floats(Tensor t) {
        return ((Storage.Float32) t.storage()).buffer();
    }
}
