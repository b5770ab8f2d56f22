package dev.chainrule.train.partition;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * Cuts a whole model's optimiser state into the partitions' states of a plan, and joins partitions'
 * states back into the whole model's: a whole-model buffer {@code <parameter>.<buffer>} becomes the
 * buffers {@code <piece>.<buffer>} of the parameter's pieces, each the piece's elements of it. The
 * whole state is the one the optimiser of the unpartitioned model would export (same keys, order,
 * shapes and bits), so K partitions checkpoint as one ordinary checkpoint and a run resumes with any K.
 */
public final class PartitionStates {
    private PartitionStates() {
    }

    /**
     * The states of the plan's partitions, in partition order, cut from {@code whole}: the same kind and
     * step count, and each piece's elements of each of its parameter's buffers.
     *
     * @throws IllegalArgumentException when {@code whole} does not fit the plan's parameters, naming the buffer
     */
    public static List<OptimizerState> split(ParameterPartitions plan, OptimizerState whole) {
        StateBuffers buffers = StateBuffers.of(Objects.requireNonNull(whole, "whole"), plan.parameterShapes(),
                "the whole model's state");
        List<OptimizerState> parts = new ArrayList<>();
        for (int j = 0; j < plan.partitions(); j++) {
            LinkedHashMap<String, Tensor> slices = new LinkedHashMap<>();
            for (Piece piece : plan.pieces(j)) {
                for (String buffer : buffers.buffers()) {
                    String key = StateBuffers.key(piece.name(), buffer);
                    slices.put(key, FloatRanges.slice(buffers.get(piece.parameterName(), buffer), piece.from(), piece.to(), key));
                }
            }
            parts.add(OptimizerState.of(whole.kind(), whole.stepCount(), slices));
        }
        return List.copyOf(parts);
    }

    /**
     * The whole model's state joined from the partitions' states {@code parts}, in partition order:
     * their kind and step count, and for each parameter in model order each buffer assembled from its
     * pieces, keyed and ordered as the unpartitioned optimiser exports them.
     *
     * @throws IllegalArgumentException when there is not one state per partition, the states disagree
     *     on kind, step count or buffers, or a piece's buffer is missing, stray or misshapen
     */
    public static OptimizerState merge(ParameterPartitions plan, List<OptimizerState> parts) {
        if (parts.size() != plan.partitions()) {
            throw new IllegalArgumentException(parts.size() + " partition states (expected: " + plan.partitions()
                    + ", one per partition of the plan)");
        }
        OptimizerState first = Objects.requireNonNull(parts.get(0), "state of partition 0");
        List<StateBuffers> tables = new ArrayList<>();
        for (int j = 0; j < parts.size(); j++) {
            OptimizerState part = Objects.requireNonNull(parts.get(j), "state of partition " + j);
            if (!part.kind().equals(first.kind()) || part.stepCount() != first.stepCount()) {
                throw new IllegalArgumentException("partition " + j + "'s state is a '" + part.kind() + "' optimizer's after "
                        + part.stepCount() + " steps (expected: a '" + first.kind() + "' optimizer's after " + first.stepCount()
                        + " steps, as partition 0's)");
            }
            StateBuffers table = StateBuffers.of(part, pieceShapes(plan, j), "partition " + j + "'s state");
            if (j > 0 && !table.buffers().equals(tables.get(0).buffers())) {
                throw new IllegalArgumentException("partition " + j + "'s state keeps buffers " + table.buffers()
                        + " of each piece (expected: " + tables.get(0).buffers() + ", as partition 0's)");
            }
            tables.add(table);
        }
        LinkedHashMap<String, Tensor> whole = new LinkedHashMap<>();
        for (int p = 0; p < plan.parameterCount(); p++) {
            for (String buffer : tables.get(0).buffers()) {
                String key = StateBuffers.key(plan.parameterName(p), buffer);
                Tensor joined = FloatRanges.lasting(plan.parameterShape(p), key);
                for (Piece piece : plan.piecesOf(p)) {
                    FloatRanges.copy(tables.get(piece.partition()).get(piece.name(), buffer), 0, joined, piece.from(), piece.length());
                }
                whole.put(key, joined);
            }
        }
        return OptimizerState.of(first.kind(), first.stepCount(), whole);
    }

    /** The names and shapes of partition {@code partition}'s pieces, as its optimiser sees them. */
    private static LinkedHashMap<String, Shape> pieceShapes(ParameterPartitions plan, int partition) {
        LinkedHashMap<String, Shape> shapes = new LinkedHashMap<>();
        plan.pieces(partition).forEach(piece -> shapes.put(piece.name(), Shape.of(piece.length())));
        return shapes;
    }
}
