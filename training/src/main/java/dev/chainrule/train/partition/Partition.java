package dev.chainrule.train.partition;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.StepReduction;
import java.util.ArrayList;
import java.util.List;

/**
 * One partition's share of a run: its pieces' weights, as 1-D float32 tensors of their own named
 * after the pieces, an optimiser over them, and a {@link StepReduction} that adds its pieces of the
 * shards' gradients in shard order and has the optimiser update the weights. Piece i of
 * {@link #pieces()} is weight i of {@link #weights()} and parameter i of {@link #reduction()}.
 *
 * <p>Lifecycle, per step: {@code reduction().begin}, then for every non-empty shard and piece
 * {@code reduction().add(shard, i, gradientPiece(i, fullGradient))} and {@code addLoss}, then
 * {@code finish} (as {@link StepReduction} says); {@link #writeInto}, {@link #exportState} and
 * {@link #importState} between steps. Not thread-safe: one thread at a time uses a partition.
 */
public final class Partition {
    private final ParameterPartitions plan;
    private final int index;
    private final List<Piece> pieces;
    private final List<Tensor> weights;
    private final Optimizer optimizer;
    private final StepReduction reduction;

    private Partition(ParameterPartitions plan, int index, List<Tensor> weights, Optimizer optimizer) {
        this.plan = plan;
        this.index = index;
        this.pieces = plan.pieces(index);
        this.weights = List.copyOf(weights);
        this.optimizer = optimizer;
        this.reduction = new StepReduction(this.weights, optimizer);
    }

    /**
     * Partition {@code index} of {@code plan}, with copies of its pieces of {@code parameters} (the
     * plan's parameters, float32, in model order) and a new {@code optimizerKind} optimiser with
     * {@code settings} and no state.
     *
     * @throws IllegalArgumentException when the parameters are not the plan's, or the kind is unknown
     */
    public static Partition create(ParameterPartitions plan, int index, List<Tensor> parameters, String optimizerKind,
            OptimizerSettings settings) {
        plan.checkParameters(parameters);
        List<Tensor> weights = new ArrayList<>();
        for (Piece piece : plan.pieces(index)) {
            weights.add(FloatRanges.slice(parameters.get(piece.parameter()), piece.from(), piece.to(), piece.name()));
        }
        return new Partition(plan, index, weights, Optimizers.create(optimizerKind, settings));
    }

    /** This partition's index in the plan. */
    public int index() {
        return index;
    }

    /** This partition's pieces, in model order. */
    public List<Piece> pieces() {
        return pieces;
    }

    /** The pieces' weights (the partition's own tensors, updated in place by each step), in piece order. */
    public List<Tensor> weights() {
        return weights;
    }

    /** The reduction of this partition's pieces of the shards' gradients, which updates {@link #weights()}. */
    public StepReduction reduction() {
        return reduction;
    }

    /**
     * Piece {@code position}'s elements of {@code gradient}, a whole gradient of its parameter, as a new
     * 1-D tensor to {@link StepReduction#add add} (from the open {@link dev.chainrule.autodiff.Workspace},
     * if any: the reduction reads it until its step ends).
     *
     * @throws IllegalArgumentException when {@code gradient} is not float32 and shaped like the parameter
     */
    public Tensor gradientPiece(int position, Tensor gradient) {
        Piece p = pieces.get(position);
        Shape shape = plan.parameterShape(p.parameter());
        if (gradient.dtype() != DType.FLOAT32 || !gradient.shape().equals(shape)) {
            throw new IllegalArgumentException("gradient " + gradient.describe() + " for piece '" + p.name()
                    + "' (expected: float32 " + shape + ", like parameter '" + p.parameterName() + "')");
        }
        Tensor out = Tensor.uninitialized(DType.FLOAT32, Shape.of(p.length()));
        FloatRanges.copy(gradient, p.from(), out, 0, p.length());
        return out;
    }

    /**
     * Copies this partition's weights into their places in {@code parameters} (the plan's parameters,
     * float32, in model order), bumping the version of each parameter written.
     *
     * @throws IllegalArgumentException when the parameters are not the plan's
     */
    public void writeInto(List<Tensor> parameters) {
        plan.checkParameters(parameters);
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int i = 0; i < pieces.size(); i++) {
                Tensor parameter = parameters.get(pieces.get(i).parameter());
                FloatRanges.copy(weights.get(i), 0, parameter, pieces.get(i).from(), pieces.get(i).length());
                parameter.markModified();
            }
        }
    }

    /** A copy of the optimiser's state, keyed {@code <piece name>.<buffer>}; see {@link PartitionStates}. */
    public OptimizerState exportState() {
        return optimizer.exportState();
    }

    /**
     * Replaces the optimiser's state with {@code state}, this partition's share of a whole state
     * ({@link PartitionStates#split}); checked against the pieces before anything changes.
     *
     * @throws IllegalArgumentException naming what does not fit, as {@link Optimizer#checkState} does
     */
    public void importState(OptimizerState state) {
        optimizer.checkState(state, weights);
        optimizer.importState(state);
    }
}
