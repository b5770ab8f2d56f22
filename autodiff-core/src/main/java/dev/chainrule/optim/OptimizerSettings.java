package dev.chainrule.optim;

/**
 * The hyper-parameters of an optimiser, with PyTorch's defaults ({@link #defaults()}) and checks;
 * each kind reads the ones it uses (momentum: {@code momentum}; adam: {@code beta1}, {@code beta2},
 * {@code eps}; all: {@code weightDecay}) and ignores the rest.
 *
 * @param momentum SGD momentum μ, finite and >= 0 (default 0.9); dampening is 0 and there is no Nesterov
 * @param beta1 Adam's decay of the first moment, in [0, 1) (default 0.9)
 * @param beta2 Adam's decay of the second moment, in [0, 1) (default 0.999)
 * @param eps Adam's term added to the denominator, finite and >= 0 (default 1e-8)
 * @param weightDecay torch's {@code weight_decay}, L2 regularisation added to the gradient as
 *     {@code g + weightDecay·w} before the update, finite and >= 0 (default 0)
 */
public record OptimizerSettings(double momentum, double beta1, double beta2, double eps, double weightDecay) {
    /** Checks every value, naming the first one out of range. */
    public OptimizerSettings {
        Checks.nonNegative("momentum", momentum);
        Checks.unitInterval("beta1", beta1);
        Checks.unitInterval("beta2", beta2);
        Checks.nonNegative("eps", eps);
        Checks.nonNegative("weightDecay", weightDecay);
    }

    /** PyTorch's defaults: momentum 0.9, betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static OptimizerSettings defaults() {
        return new OptimizerSettings(0.9, 0.9, 0.999, 1e-8, 0.0);
    }

    /** These settings with another momentum. */
    public OptimizerSettings withMomentum(double momentum) {
        return new OptimizerSettings(momentum, beta1, beta2, eps, weightDecay);
    }

    /** These settings with other Adam betas. */
    public OptimizerSettings withBetas(double beta1, double beta2) {
        return new OptimizerSettings(momentum, beta1, beta2, eps, weightDecay);
    }

    /** These settings with another Adam eps. */
    public OptimizerSettings withEps(double eps) {
        return new OptimizerSettings(momentum, beta1, beta2, eps, weightDecay);
    }

    /** These settings with another weight decay. */
    public OptimizerSettings withWeightDecay(double weightDecay) {
        return new OptimizerSettings(momentum, beta1, beta2, eps, weightDecay);
    }
}
