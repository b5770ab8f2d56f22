package dev.chainrule.train.partition;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable plan of which partition owns which elements of the parameters: partition j of K owns
 * the flat parameter vector's elements [⌊j·T/K⌋, ⌊(j+1)·T/K⌋), as {@link Piece}s in model order (the
 * package description tells the whole story). Made from the parameters' names and shapes in model
 * order; the names must be unique and free of {@code [} and {@code ]}, which piece names use.
 */
public final class ParameterPartitions {
    private final List<String> names;
    private final List<Shape> shapes;
    /** Where each parameter starts in the flat vector; the last entry is T. */
    private final long[] offsets;
    private final int partitions;
    private final List<List<Piece>> byPartition;
    private final List<List<Piece>> byParameter;
    private final Map<String, Integer> indices = new HashMap<>();

    private ParameterPartitions(List<String> names, List<Shape> shapes, int partitions) {
        this.offsets = new long[names.size() + 1];
        for (int p = 0; p < names.size(); p++) {
            checkName(p, names.get(p));
            offsets[p + 1] = offsets[p] + shapes.get(p).size();
        }
        this.names = List.copyOf(names);
        this.shapes = List.copyOf(shapes);
        long total = offsets[names.size()];
        if (partitions < 1 || partitions > total) {
            throw new IllegalArgumentException("partitions : " + partitions + " (expected: 1 <= partitions <= " + total
                    + ", the parameters' element count)");
        }
        this.partitions = partitions;
        this.byPartition = cut();
        List<List<Piece>> perParameter = new ArrayList<>();
        names.forEach(n -> perParameter.add(new ArrayList<>()));
        byPartition.forEach(pieces -> pieces.forEach(piece -> perParameter.get(piece.parameter()).add(piece)));
        this.byParameter = perParameter.stream().map(List::copyOf).toList();
    }

    /**
     * The plan of {@code parameters} (named, in model order) over {@code partitions} partitions.
     *
     * @throws IllegalArgumentException for a name that is missing, repeated or holds {@code [} or
     *     {@code ]}, or a partition count outside 1 to T
     */
    public static ParameterPartitions of(List<Tensor> parameters, int partitions) {
        List<String> names = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (Tensor t : parameters) {
            names.add(t.name());
            shapes.add(t.shape());
        }
        return new ParameterPartitions(names, shapes, partitions);
    }

    /**
     * The plan of parameters with these names and shapes, in the map's iteration order (model order,
     * as {@link dev.chainrule.nn.Mlp#parameterShapes} gives them), over {@code partitions} partitions.
     *
     * @throws IllegalArgumentException as {@link #of(List, int)} does
     */
    public static ParameterPartitions of(Map<String, Shape> shapes, int partitions) {
        return new ParameterPartitions(new ArrayList<>(shapes.keySet()), new ArrayList<>(shapes.values()), partitions);
    }

    /** Each partition's pieces: the parameters overlapping its range of the flat vector, clipped to it. */
    private List<List<Piece>> cut() {
        List<List<Piece>> all = new ArrayList<>();
        int first = 0;
        for (int j = 0; j < partitions; j++) {
            long start = start(j);
            long end = end(j);
            while (offsets[first + 1] <= start) {
                first++;
            }
            List<Piece> pieces = new ArrayList<>();
            for (int p = first; p < names.size() && offsets[p] < end; p++) {
                int from = (int) (Math.max(start, offsets[p]) - offsets[p]);
                int to = (int) (Math.min(end, offsets[p + 1]) - offsets[p]);
                if (to > from) {
                    pieces.add(new Piece(j, pieces.size(), p, names.get(p), from, to));
                }
            }
            all.add(List.copyOf(pieces));
        }
        return List.copyOf(all);
    }

    private void checkName(int p, String name) {
        if (name == null || name.isEmpty() || name.indexOf('[') >= 0 || name.indexOf(']') >= 0) {
            throw new IllegalArgumentException("parameter " + p + " is named " + (name == null ? "null" : "'" + name + "'")
                    + " (expected: a name without '[' or ']', which piece names use)");
        }
        Integer previous = indices.putIfAbsent(name, p);
        if (previous != null) {
            throw new IllegalArgumentException("parameter name '" + name + "' appears twice, at positions " + previous
                    + " and " + p + " (expected: unique names)");
        }
    }

    /** The number of partitions, K. */
    public int partitions() {
        return partitions;
    }

    /** The number of elements of all parameters together, T. */
    public long totalElements() {
        return offsets[names.size()];
    }

    /** The number of parameters. */
    public int parameterCount() {
        return names.size();
    }

    /** The name of parameter {@code parameter} (in model order). */
    public String parameterName(int parameter) {
        return names.get(parameter);
    }

    /** The shape of parameter {@code parameter}. */
    public Shape parameterShape(int parameter) {
        return shapes.get(parameter);
    }

    /**
     * The index of the parameter named {@code name}.
     *
     * @throws IllegalArgumentException when no parameter has that name
     */
    public int parameterIndex(String name) {
        Integer index = indices.get(name);
        if (index == null) {
            throw new IllegalArgumentException("no parameter is named '" + name + "' (expected one of " + names + ")");
        }
        return index;
    }

    /** The names and shapes of the parameters, in model order. */
    public LinkedHashMap<String, Shape> parameterShapes() {
        LinkedHashMap<String, Shape> all = new LinkedHashMap<>();
        for (int p = 0; p < names.size(); p++) {
            all.put(names.get(p), shapes.get(p));
        }
        return all;
    }

    /** The first flat element of partition {@code partition}, ⌊j·T/K⌋. */
    public long start(int partition) {
        return boundary(checkPartition(partition));
    }

    /** The flat element after partition {@code partition}'s last, ⌊(j+1)·T/K⌋. */
    public long end(int partition) {
        return boundary(checkPartition(partition) + 1);
    }

    /** The number of elements partition {@code partition} owns: ⌊T/K⌋ or ⌈T/K⌉. */
    public long size(int partition) {
        return end(partition) - start(partition);
    }

    /** Partition {@code partition}'s pieces, in model order; together they are its range of the flat vector. */
    public List<Piece> pieces(int partition) {
        return byPartition.get(checkPartition(partition));
    }

    /** The pieces of parameter {@code parameter}, in element order (none for a parameter without elements). */
    public List<Piece> piecesOf(int parameter) {
        return byParameter.get(parameter);
    }

    /**
     * The pieces holding any of parameter {@code parameter}'s elements [{@code from}, {@code to}), in
     * element order: where a part of a tensor (a wire chunk of it, say) goes.
     *
     * @throws IndexOutOfBoundsException when the range is not within the parameter
     */
    public List<Piece> overlapping(int parameter, int from, int to) {
        Objects.checkFromToIndex(from, to, shapes.get(parameter).size());
        return piecesOf(parameter).stream().filter(piece -> piece.overlaps(from, to)).toList();
    }

    /**
     * Checks that {@code parameters} are this plan's parameters: float32, in model order, with its
     * names and shapes.
     *
     * @throws IllegalArgumentException naming the first that is not
     */
    void checkParameters(List<Tensor> parameters) {
        if (parameters.size() != names.size()) {
            throw new IllegalArgumentException(parameters.size() + " parameters (expected: " + names.size()
                    + ", the plan's " + names + ")");
        }
        for (int p = 0; p < names.size(); p++) {
            Tensor t = parameters.get(p);
            if (!names.get(p).equals(t.name()) || !shapes.get(p).equals(t.shape()) || t.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("parameter " + p + " is " + t.describe() + " (expected: float32 "
                        + shapes.get(p) + " '" + names.get(p) + "', as in the plan)");
            }
        }
    }

    private long boundary(int j) {
        return Math.multiplyExact(j, totalElements()) / partitions;
    }

    private int checkPartition(int partition) {
        return Objects.checkIndex(partition, partitions);
    }

    @Override
    public String toString() {
        return "ParameterPartitions[" + partitions + " partitions of " + totalElements() + " elements of " + names.size()
                + " parameters]";
    }
}
