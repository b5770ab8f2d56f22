package dev.chainrule.optim;

import dev.chainrule.autodiff.Tensor;
import java.nio.FloatBuffer;
import java.util.List;

/** Plain stochastic gradient descent, {@code w −= lr·g}, as torch's {@code SGD} with momentum 0. */
final class Sgd extends AbstractOptimizer {
    static final String KIND = "sgd";

    Sgd(double weightDecay) {
        super(KIND, List.of(), weightDecay);
    }

    @Override
    void updateFloat32(Tensor parameter, FloatBuffer w, FloatGradient gradient, double learningRate, long step) {
        // torch: param.add_(d_p, alpha=-lr)
        float alpha = (float) -learningRate;
        for (int i = 0, n = w.capacity(); i < n; i++) {
            float wi = w.get(i);
            w.put(i, Math.fma(alpha, gradient.at(i, wi), wi));
        }
    }

    @Override
    void update(Tensor parameter, Tensor gradient, double learningRate, long step) {
        parameter.addScaled(-learningRate, gradient);
    }
}
