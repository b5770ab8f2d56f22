package dev.chainrule.optim;

import dev.chainrule.autodiff.Tensor;
import java.util.List;

/** Plain stochastic gradient descent, {@code w −= lr·g}, as torch's {@code SGD} with momentum 0. */
final class Sgd extends AbstractOptimizer {
    static final String KIND = "sgd";

    Sgd(double weightDecay) {
        super(KIND, List.of(), weightDecay);
    }

    @Override
    void update(Tensor parameter, Tensor gradient, double learningRate, long step) {
        // torch: param.add_(d_p, alpha=-lr)
        double alpha = ElementArithmetic.of(parameter.dtype()).round(-learningRate);
        parameter.addScaled(alpha, decayed(parameter, gradient));
    }
}
