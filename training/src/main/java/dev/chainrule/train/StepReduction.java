package dev.chainrule.train;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.optim.OptimizerState;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one step's shard gradients into the model's update: each parameter's gradients are added in
 * shard order (shard 0 + shard 1 + …, whatever order they came in: a shard that arrives early waits
 * for the ones before it), and once every shard of every parameter is in, {@link #finish} has the
 * optimiser update the parameters, dividing the sums by the batch size inside its update
 * ({@link Optimizer#step(List, List, float, double)}). The float32 additions always happen in the same
 * order, so the weights are the same bits however, wherever and in whatever order the shards were
 * computed (the README's "Same bits" says why this matters).
 *
 * <p>Nothing changes the parameters before {@link #finish}: a shard given so far can be taken back
 * ({@link #retract}: its worker was lost, or broke the protocol) and given again, and a step that
 * fails is simply {@link #abandon}ed. A repeat of a shard's gradient of a parameter is ignored. The
 * gradients are read, not copied, when their turn comes, and kept until the step ends: each must stay
 * unchanged until then; with one shard, its gradients themselves are the sums.
 *
 * <p>Lifecycle, per step: {@link #begin}, then {@link #add} every non-empty shard's gradient of every
 * parameter and {@link #addLoss} every shard's loss, then {@link #finish} (or {@link #abandon}). Not
 * thread-safe: one thread at a time uses it (a coordinator's event loop, or the training thread).
 */
public final class StepReduction {
    /** Elements added per block in {@link #plus}: two blocks of floats fit in a core's L1 cache. */
    private static final int BLOCK = 2048;
    private final List<Tensor> parameters;
    private final Optimizer optimizer;
    private final Tensor[] sums;
    private final float[] left = new float[BLOCK];
    private final float[] right = new float[BLOCK];
    private boolean begun;
    private ShardPlan plan;
    private float divisor;
    private double learningRate;
    /** The gradients given, by shard and parameter, kept until the step ends. */
    private Tensor[][] given;
    /** Each parameter's sum so far: null, then the first shard's own gradient, then a sum buffer. */
    private final Tensor[] partial;
    /** Each parameter's next shard to add; plan.shards() once every shard is added. */
    private final int[] nextShard;
    private double[] lossSums;
    private int[] samples;

    /** Reductions of gradients shaped like {@code parameters}, which {@code optimizer} updates. */
    public StepReduction(List<Tensor> parameters, Optimizer optimizer) {
        this.parameters = List.copyOf(parameters);
        this.optimizer = optimizer;
        this.sums = new Tensor[this.parameters.size()];
        this.partial = new Tensor[this.parameters.size()];
        this.nextShard = new int[this.parameters.size()];
    }

    /**
     * Starts a step over the shards of {@code plan}, whose gradient sums the optimiser divides by
     * {@code divisor} (the batch size) with learning rate {@code learningRate}.
     *
     * @throws IllegalStateException when the previous step has neither finished nor been abandoned
     */
    public void begin(ShardPlan plan, float divisor, double learningRate) {
        if (begun) {
            throw new IllegalStateException("the previous step's reduction has not finished");
        }
        this.plan = plan;
        if (firstNonEmpty(0) == plan.shards()) {
            throw new IllegalArgumentException("the batch has no samples");
        }
        this.divisor = divisor;
        this.learningRate = learningRate;
        given = new Tensor[plan.shards()][parameters.size()];
        lossSums = new double[plan.shards()];
        samples = new int[plan.shards()];
        restartSums();
        begun = true;
    }

    /**
     * A copy of the optimiser's state, before the update of a step begun and not finished: the
     * starting point a partitioned run's leader hands its partitions.
     */
    public OptimizerState optimizerState() {
        return optimizer.exportState();
    }

    /**
     * The learning rate of the step begun.
     *
     * @throws IllegalStateException when no step has begun
     */
    public double learningRate() {
        checkStarted();
        return learningRate;
    }

    /**
     * Shard {@code shard}'s gradient of the summed loss with respect to parameter {@code parameter};
     * adds it (and any later shards' that waited for it) to the parameter's sum. Returns whether this
     * call completed the parameter's sum.
     *
     * @throws IllegalArgumentException for an empty or unknown shard, or a gradient shaped unlike the parameter
     */
    public boolean add(int shard, int parameter, Tensor gradient) {
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
     * worker was lost, or broke the protocol); the shard may be given again, e.g. recomputed by another
     * worker. The sums it had entered are added again from the other shards, in shard order. Returns
     * whether anything was taken back.
     */
    public boolean retract(int shard) {
        checkStarted();
        boolean any = false;
        for (int p = 0; p < parameters.size(); p++) {
            if (given[shard][p] != null) {
                any = true;
                given[shard][p] = null;
                if (nextShard[p] > shard) {
                    partial[p] = null;
                    nextShard[p] = firstNonEmpty(0);
                    advance(p);
                }
            }
        }
        lossSums[shard] = 0;
        samples[shard] = 0;
        return any;
    }

    /** Adds parameter {@code p}'s next shards that were given, in shard order; returns whether its sum is complete. */
    private boolean advance(int p) {
        while (nextShard[p] < plan.shards() && given[nextShard[p]][p] != null) {
            partial[p] = plus(p, given[nextShard[p]][p]);
            nextShard[p] = firstNonEmpty(nextShard[p] + 1);
        }
        return nextShard[p] == plan.shards();
    }

    /** Forgets every sum: no shard added. */
    private void restartSums() {
        Arrays.fill(partial, null);
        for (int p = 0; p < parameters.size(); p++) {
            nextShard[p] = firstNonEmpty(0);
        }
    }

    /** Shard {@code shard}'s loss summed over its {@code samples} samples; a repeat replaces it with the same value. */
    public void addLoss(int shard, double lossSum, int samples) {
        checkStarted();
        lossSums[shard] = lossSum;
        this.samples[shard] = samples;
    }

    /** Whether parameter {@code parameter}'s sum has every shard of the step in progress. */
    public boolean complete(int parameter) {
        return begun && nextShard[parameter] == plan.shards();
    }

    /** Ends the step in progress, if any, without changing the parameters: a failed step. */
    public void abandon() {
        begun = false;
        given = null;
    }

    /**
     * Ends the step once every parameter's sum is complete: the optimiser updates every parameter from
     * its sum divided by the batch size; returns the mean loss over the batch (the shards' loss sums
     * added in shard order, divided by the samples). Nothing changes when it throws.
     *
     * @throws IllegalStateException naming what is missing
     */
    public double finish() {
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
        optimizer.step(parameters, Arrays.asList(partial), divisor, learningRate);
        abandon();
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
        // block by block through two arrays: bulk copies and a loop the JIT vectorises, where a loop
        // of FloatBuffer.get and put on direct memory costs several times as much per element
        for (int from = 0, n = out.capacity(); from < n; from += BLOCK) {
            int length = Math.min(BLOCK, n - from);
            a.get(from, left, 0, length);
            b.get(from, right, 0, length);
            for (int i = 0; i < length; i++) {
                left[i] += right[i];
            }
            out.put(from, left, 0, length);
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
        if (!begun) {
            throw new IllegalStateException("no step has begun");
        }
    }

    private static Tensor lasting(Tensor like) {
        return Tensor.lastingZeros(DType.FLOAT32, like.shape());
    }

    private static FloatBuffer floats(Tensor t) {
        return ((Storage.Float32) t.storage()).buffer();
    }
}
