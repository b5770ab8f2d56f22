package dev.chainrule.optim;

import dev.chainrule.autodiff.kernels.FloatKernels;
import java.nio.FloatBuffer;

/**
 * The gradient of a float32 parameter as an optimiser's loop reads it, element by element, from the
 * gradient sums: {@code g = sum / divisor} rounded to float, then with weight decay
 * {@code g + weightDecay·w} as one fused multiply-add (torch's {@code d_p.add(p, alpha=weight_decay)}).
 * Nothing is stored: the float quotient is the same whether a separate pass stores it or not.
 *
 * <p>When the divisor is a power of two (a batch of 32, 128, …) the sum is multiplied by its
 * reciprocal, which is exact (both are the correctly rounded value of the same real number) and
 * much cheaper than a division; a divisor of 1 leaves every sum as it is.
 */
final class FloatGradient {
    private final FloatBuffer sums;
    private final boolean byReciprocal;
    private final float reciprocal;
    private final float divisor;
    private final boolean decays;
    private final float decay;

    /** Reads {@code sums / divisor}, plus {@code weightDecay·w} when {@code weightDecay} is not 0. */
    FloatGradient(FloatBuffer sums, float divisor, double weightDecay) {
        this.sums = sums;
        this.divisor = divisor;
        this.reciprocal = 1f / divisor;
        this.byReciprocal = FloatKernels.hasExactReciprocal(divisor);
        this.decays = weightDecay != 0;
        this.decay = (float) weightDecay;
    }

    /** Gradient element {@code i} of the parameter whose element {@code i} is {@code w}. */
    float at(int i, float w) {
        float g = byReciprocal ? sums.get(i) * reciprocal : sums.get(i) / divisor;
        return decays ? Math.fma(decay, w, g) : g;
    }
}
