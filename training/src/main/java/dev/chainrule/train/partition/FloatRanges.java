package dev.chainrule.train.partition;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;

/** Copies of ranges of float32 tensors' flat (row-major) elements, into tensors that own their memory. */
final class FloatRanges {
    private FloatRanges() {
    }

    /** A new zero float32 tensor named {@code name}, whose memory is its own and outlives any workspace. */
    static Tensor lasting(Shape shape, String name) {
        return Tensor.lastingZeros(DType.FLOAT32, shape).named(name);
    }

    /** A new 1-D tensor named {@code name} holding a copy of {@code source}'s elements [{@code from}, {@code to}). */
    static Tensor slice(Tensor source, int from, int to, String name) {
        Tensor slice = lasting(Shape.of(to - from), name);
        copy(source, from, slice, 0, to - from);
        return slice;
    }

    /**
     * Copies {@code length} elements of {@code source} from {@code sourceFrom} into {@code target} from
     * {@code targetFrom}; does not bump {@code target}'s version.
     */
    static void copy(Tensor source, int sourceFrom, Tensor target, int targetFrom, int length) {
        floats(target).buffer().put(targetFrom, floats(source).buffer(), sourceFrom, length);
    }

    private static Storage.Float32 floats(Tensor t) {
        return (Storage.Float32) t.storage();
    }
}
