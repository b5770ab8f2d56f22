package dev.chainrule.autodiff.check;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.ops.Ops;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Compares reverse-mode gradients with central differences, in float64.
 *
 * <p>For a function f of some input tensors, the analytical gradient comes from one backward pass;
 * the numerical one from (f(x + ε·e_i) − f(x − ε·e_i)) / 2ε for every element i of every input. A
 * non-scalar output is first reduced to Σ f ⊙ w with fixed pseudo-random weights w, so every output
 * element is checked. An element passes when |a − n| ≤ tolerance · max(|a| + |n|, floor): a
 * relative error, with an absolute floor for gradients near zero. NaN or infinite values anywhere
 * fail the check.
 */
public final class GradCheck {
    private final double epsilon;
    private final double tolerance;
    private final double floor;

    private GradCheck(double epsilon, double tolerance, double floor) {
        this.epsilon = epsilon;
        this.tolerance = tolerance;
        this.floor = floor;
    }

    /** Defaults: ε = 1e-6, tolerance 1e-6, floor 1e-2 (so an absolute error of 1e-8 near zero). */
    public static GradCheck defaults() {
        return new GradCheck(1e-6, 1e-6, 1e-2);
    }

    /** A checker with the given step, relative tolerance and floor. */
    public static GradCheck of(double epsilon, double tolerance, double floor) {
        if (!(epsilon > 0) || !(tolerance > 0) || !(floor > 0)) {
            throw new IllegalArgumentException("epsilon, tolerance and floor must be > 0: " + epsilon + ", " + tolerance + ", " + floor);
        }
        return new GradCheck(epsilon, tolerance, floor);
    }

    /**
     * Checks every input that {@link Tensor#requiresGrad() requires grad}; the others are constants.
     * Inputs are not modified. Throws {@link GradCheckFailure} naming the input and element that fail.
     *
     * @return the largest error seen, as a fraction of its allowed bound (≤ 1 when passing)
     */
    public double check(Function<List<Tensor>, Tensor> f, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("gradient check needs float64 inputs, got " + t.describe());
            }
            requireFinite("input " + label(t), t);
        }
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            leaves[i] = inputs[i].copy().named(label(inputs[i], i)).requiresGrad(inputs[i].requiresGrad());
        }
        Tensor output = f.apply(List.of(leaves));
        requireFinite("output", output);
        Tensor weights = Tensor.uniform(DType.FLOAT64, 0x5eed, 0.5, 1.5, output.shape().dims());
        Ops.sum(Ops.mul(output, weights)).backward();

        double worst = 0;
        for (int i = 0; i < leaves.length; i++) {
            if (!inputs[i].requiresGrad()) {
                continue;
            }
            Tensor analytical = leaves[i].grad() == null ? Tensor.zeros(DType.FLOAT64, leaves[i].shape()) : leaves[i].grad();
            requireFinite("analytical gradient of " + leaves[i].name(), analytical);
            worst = Math.max(worst, compare(f, leaves, i, analytical, weights));
        }
        return worst;
    }

    private double compare(Function<List<Tensor>, Tensor> f, Tensor[] leaves, int which, Tensor analytical, Tensor weights) {
        Tensor[] constants = new Tensor[leaves.length];
        for (int i = 0; i < leaves.length; i++) {
            constants[i] = leaves[i].copy();
        }
        Tensor x = constants[which];
        double worst = 0;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int e = 0; e < x.size(); e++) {
                double original = x.getFlat(e);
                x.storage().set(e, original + epsilon);
                double plus = projected(f, constants, weights);
                x.storage().set(e, original - epsilon);
                double minus = projected(f, constants, weights);
                x.storage().set(e, original);
                double numerical = (plus - minus) / (2 * epsilon);
                double a = analytical.getFlat(e);
                String where = "input '" + leaves[which].name() + "' element " + e + " " + Arrays.toString(unflatten(x, e));
                if (!Double.isFinite(numerical)) {
                    throw new GradCheckFailure("numerical gradient of " + where + " is " + numerical);
                }
                double bound = tolerance * Math.max(Math.abs(a) + Math.abs(numerical), floor);
                double error = Math.abs(a - numerical);
                if (error > bound) {
                    throw new GradCheckFailure("gradient check failed for " + where + ": analytical " + a
                            + ", numerical " + numerical + ", |difference| " + error + " > allowed " + bound);
                }
                worst = Math.max(worst, error / bound);
            }
        }
        return worst;
    }

    private static double projected(Function<List<Tensor>, Tensor> f, Tensor[] inputs, Tensor weights) {
        return Ops.sum(Ops.mul(f.apply(List.of(inputs)), weights)).item();
    }

    private static void requireFinite(String what, Tensor t) {
        for (int i = 0; i < t.size(); i++) {
            if (!Double.isFinite(t.getFlat(i))) {
                throw new GradCheckFailure(what + " has non-finite element " + i + ": " + t.getFlat(i));
            }
        }
    }

    private static int[] unflatten(Tensor t, int flat) {
        int[] dims = t.shape().dims();
        int[] index = new int[dims.length];
        for (int a = dims.length - 1; a >= 0; a--) {
            index[a] = flat % dims[a];
            flat /= dims[a];
        }
        return index;
    }

    private static String label(Tensor t) {
        return t.name() == null ? t.describe() : "'" + t.name() + "'";
    }

    private static String label(Tensor t, int position) {
        return t.name() != null ? t.name() : "#" + position;
    }
}
