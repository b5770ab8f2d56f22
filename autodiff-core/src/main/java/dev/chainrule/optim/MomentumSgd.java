package dev.chainrule.optim;

import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * SGD with momentum μ as torch's {@code SGD(momentum=μ, dampening=0, nesterov=False)}: {@code buf = g}
 * on the first step, then {@code buf = μ·buf + g}; {@code w −= lr·buf}.
 */
final class MomentumSgd extends AbstractOptimizer {
    static final String KIND = "momentum";
    static final String BUFFER = "momentum_buffer";

    private final double momentum;

    MomentumSgd(double momentum, double weightDecay) {
        super(KIND, List.of(BUFFER), weightDecay);
        this.momentum = Checks.nonNegative("momentum", momentum);
    }

    @Override
    void updateFloat32(Tensor parameter, FloatBuffer w, FloatGradient gradient, double learningRate, long step) {
        Tensor buf = buffer(parameter, BUFFER);
        boolean first = buf == null;
        FloatBuffer b = floats(first ? addBuffer(parameter, BUFFER) : buf);
        float mu = (float) momentum;
        float alpha = (float) -learningRate;
        for (int i = 0, n = w.capacity(); i < n; i++) {
            float wi = w.get(i);
            float gi = gradient.at(i, wi);
            // torch: torch.clone(d_p) on the first step, then buf.mul_(momentum).add_(d_p), each result stored
            float bi = first ? gi : mu * b.get(i) + gi;
            b.put(i, bi);
            // torch: param.add_(buf, alpha=-lr)
            w.put(i, Math.fma(alpha, bi, wi));
        }
    }

    @Override
    void update(Tensor parameter, Tensor gradient, double learningRate, long step) {
        ElementArithmetic arithmetic = ElementArithmetic.of(parameter.dtype());
        Tensor buf = buffer(parameter, BUFFER);
        if (buf == null) {
            buf = addBuffer(parameter, BUFFER);
            buf.copyFrom(gradient); // torch.clone(d_p)
        } else {
            // torch: buf.mul_(momentum).add_(d_p, alpha=1 - dampening), each result stored (rounded)
            double mu = arithmetic.round(momentum);
            Storage b = buf.storage();
            Storage g = gradient.storage();
            for (int i = 0; i < b.length(); i++) {
                b.set(i, arithmetic.round(mu * b.get(i)) + g.get(i));
            }
        }
        // torch: param.add_(buf, alpha=-lr)
        parameter.addScaled(arithmetic.round(-learningRate), buf);
    }
}
