package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import java.util.function.IntToDoubleFunction;

/**
 * NumPy broadcasting between two shapes: dimensions are aligned from the right, and a dimension of
 * length 1 (or a missing one) is repeated to match the other. For each operand this computes, for
 * every element of the result, the flat offset of the operand element it reads (null when the
 * operand already has the result's shape: the identity, no array needed). The same map turns
 * a gradient of the result back into the operand's shape by summing (a broadcast's backward is a
 * sum over the broadcast axes).
 */
final class Broadcast {
    final Shape shape;
    final int[] mapA;
    final int[] mapB;

    private Broadcast(Shape shape, int[] mapA, int[] mapB) {
        this.shape = shape;
        this.mapA = mapA;
        this.mapB = mapB;
    }

    static Broadcast of(String op, Shape a, Shape b) {
        Shape result = resultShape(op, a, b);
        return new Broadcast(result, sourceOffsets(a, result), sourceOffsets(b, result));
    }

    static Shape resultShape(String op, Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = dimFromRight(a, rank - 1 - i);
            int db = dimFromRight(b, rank - 1 - i);
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("op '" + op + "': shapes " + a + " and " + b + " cannot be broadcast together");
            }
            dims[i] = da == 1 ? db : da;
        }
        return Shape.of(dims);
    }

    /** The flat offset that result element {@code i} reads through {@code map} (null is the identity). */
    static int at(int[] map, int i) {
        return map == null ? i : map[i];
    }

    /** For each element of {@code result}, the flat offset of the element of {@code source} it reads; null when the shapes are equal. */
    static int[] sourceOffsets(Shape source, Shape result) {
        if (source.equals(result)) {
            return null;
        }
        int n = result.size();
        int[] map = new int[n];
        int rank = result.rank();
        int[] dims = result.dims();
        int[] strides = new int[rank];
        int stride = 1;
        for (int i = rank - 1; i >= 0; i--) {
            int d = dimFromRight(source, rank - 1 - i);
            strides[i] = d == 1 ? 0 : stride;
            stride *= d;
        }
        int[] index = new int[rank];
        int offset = 0;
        for (int i = 0; i < n; i++) {
            map[i] = offset;
            for (int axis = rank - 1; axis >= 0; axis--) {
                index[axis]++;
                offset += strides[axis];
                if (index[axis] < dims[axis]) {
                    break;
                }
                offset -= strides[axis] * index[axis];
                index[axis] = 0;
            }
        }
        return map;
    }

    /** Repeats {@code t} to {@code shape} (no recording): the backward rule of a sum. */
    static Tensor expand(Tensor t, Shape shape) {
        int[] map = sourceOffsets(t.shape(), shape);
        Tensor out = Tensor.zeros(t.dtype(), shape);
        for (int i = 0; i < shape.size(); i++) {
            out.storage().set(i, t.getFlat(at(map, i)));
        }
        return out;
    }

    /**
     * Sums {@code perResult} (a value for each of the {@code n} result elements) into a tensor of
     * {@code target}'s shape and dtype through {@code map}: the backward rule of broadcasting.
     */
    static Tensor sumInto(IntToDoubleFunction perResult, int n, int[] map, Tensor target) {
        Tensor out = Tensor.zeros(target.dtype(), target.shape());
        if (map == null) {
            for (int i = 0; i < n; i++) {
                out.storage().set(i, perResult.applyAsDouble(i));
            }
            return out;
        }
        double[] acc = new double[target.size()];
        for (int i = 0; i < n; i++) {
            acc[map[i]] += perResult.applyAsDouble(i);
        }
        for (int i = 0; i < acc.length; i++) {
            out.storage().set(i, acc[i]);
        }
        return out;
    }

    private static int dimFromRight(Shape s, int fromRight) {
        int axis = s.rank() - 1 - fromRight;
        return axis < 0 ? 1 : s.dim(axis);
    }
}
