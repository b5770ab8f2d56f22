package dev.chainrule.optim;

import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Adam as torch 1.13's single-tensor implementation (no amsgrad, no maximize): at step t (from 1),
 * {@code m = β1·m + (1−β1)·g}, {@code v = β2·v + (1−β2)·g²},
 * {@code w −= (lr / (1 − β1^t))·m / (sqrt(v) / sqrt(1 − β2^t) + ε)}; m and v start at zero.
 */
final class Adam extends AbstractOptimizer {
    static final String KIND = "adam";
    static final String EXP_AVG = "exp_avg";
    static final String EXP_AVG_SQ = "exp_avg_sq";

    private final double beta1;
    private final double beta2;
    private final double eps;

    Adam(double beta1, double beta2, double eps, double weightDecay) {
        super(KIND, List.of(EXP_AVG, EXP_AVG_SQ), weightDecay);
        this.beta1 = Checks.unitInterval("beta1", beta1);
        this.beta2 = Checks.unitInterval("beta2", beta2);
        this.eps = Checks.nonNegative("eps", eps);
    }

    /**
     * The scalars of step {@code step} as torch's kernels see them: Python floats computed in double,
     * then cast to the element type.
     */
    private record Scalars(double b1, double oneMinusB1, double b2, double oneMinusB2, double bc2Sqrt, double epsilon,
            double negStepSize) {
        static Scalars of(Adam adam, ElementArithmetic arithmetic, double learningRate, long step) {
            double biasCorrection1 = 1 - StrictMath.pow(adam.beta1, step);
            double biasCorrection2 = 1 - StrictMath.pow(adam.beta2, step);
            double stepSize = learningRate / biasCorrection1;
            double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
            return new Scalars(arithmetic.round(adam.beta1), arithmetic.round(1 - adam.beta1),
                    arithmetic.round(adam.beta2), arithmetic.round(1 - adam.beta2), arithmetic.round(biasCorrection2Sqrt),
                    arithmetic.round(adam.eps), arithmetic.round(-stepSize));
        }
    }

    @Override
    void updateFloat32(Tensor parameter, FloatBuffer w, FloatGradient gradient, double learningRate, long step) {
        FloatBuffer m = floats(expAvg(parameter));
        FloatBuffer v = floats(buffer(parameter, EXP_AVG_SQ));
        Scalars s = Scalars.of(this, ElementArithmetic.FLOAT32, learningRate, step);
        float b1 = (float) s.b1();
        float oneMinusB1 = (float) s.oneMinusB1();
        float b2 = (float) s.b2();
        float oneMinusB2 = (float) s.oneMinusB2();
        float bc2Sqrt = (float) s.bc2Sqrt();
        float epsilon = (float) s.epsilon();
        float negStepSize = (float) s.negStepSize();
        for (int i = 0, n = w.capacity(); i < n; i++) {
            float wi = w.get(i);
            float gi = gradient.at(i, wi);
            // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
            float mi = Math.fma(oneMinusB1, gi, b1 * m.get(i));
            // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            float vi = Math.fma(oneMinusB2 * gi, gi, b2 * v.get(i));
            m.put(i, mi);
            v.put(i, vi);
            // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + epsilon;
            // param.addcdiv_(exp_avg, denom, value=-step_size): param + (value·exp_avg) / denom
            w.put(i, wi + negStepSize * mi / denom);
        }
    }

    @Override
    void update(Tensor parameter, Tensor gradient, double learningRate, long step) {
        Storage m = expAvg(parameter).storage();
        Storage v = buffer(parameter, EXP_AVG_SQ).storage();
        ElementArithmetic arithmetic = ElementArithmetic.of(parameter.dtype());
        Scalars s = Scalars.of(this, arithmetic, learningRate, step);
        Storage g = gradient.storage();
        Tensor delta = Tensor.zeros(parameter.dtype(), parameter.shape());
        Storage q = delta.storage();
        for (int i = 0; i < q.length(); i++) {
            double gi = g.get(i);
            double mi = arithmetic.fma(s.oneMinusB1(), gi, arithmetic.round(s.b1() * m.get(i)));
            double vi = arithmetic.fma(arithmetic.round(s.oneMinusB2() * gi), gi, arithmetic.round(s.b2() * v.get(i)));
            m.set(i, mi);
            v.set(i, vi);
            double denom = arithmetic.round(arithmetic.round(arithmetic.round(Math.sqrt(vi)) / s.bc2Sqrt()) + s.epsilon());
            q.set(i, arithmetic.round(s.negStepSize() * mi) / denom);
        }
        parameter.addScaled(1.0, delta);
    }

    /** The first moment of {@code parameter}, created with the second (both zero) on the first step. */
    private Tensor expAvg(Tensor parameter) {
        Tensor expAvg = buffer(parameter, EXP_AVG);
        if (expAvg == null) {
            expAvg = addBuffer(parameter, EXP_AVG);
            addBuffer(parameter, EXP_AVG_SQ);
        }
        return expAvg;
    }
}
