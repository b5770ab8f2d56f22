package dev.chainrule.optim;

import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
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

    @Override
    void update(Tensor parameter, Tensor gradient, double learningRate, long step) {
        Tensor d = decayed(parameter, gradient);
        Tensor expAvg = buffer(parameter, EXP_AVG);
        Tensor expAvgSq = buffer(parameter, EXP_AVG_SQ);
        if (expAvg == null) {
            expAvg = Tensor.zeros(parameter.dtype(), parameter.shape());
            expAvgSq = Tensor.zeros(parameter.dtype(), parameter.shape());
            addBuffer(parameter, EXP_AVG, expAvg);
            addBuffer(parameter, EXP_AVG_SQ, expAvgSq);
        }
        // Python floats, in double as torch computes them
        double biasCorrection1 = 1 - StrictMath.pow(beta1, step);
        double biasCorrection2 = 1 - StrictMath.pow(beta2, step);
        double stepSize = learningRate / biasCorrection1;
        double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        // the same scalars as the kernels see them, cast to the element type
        ElementArithmetic arithmetic = ElementArithmetic.of(parameter.dtype());
        double b1 = arithmetic.round(beta1);
        double oneMinusB1 = arithmetic.round(1 - beta1);
        double b2 = arithmetic.round(beta2);
        double oneMinusB2 = arithmetic.round(1 - beta2);
        double bc2Sqrt = arithmetic.round(biasCorrection2Sqrt);
        double epsilon = arithmetic.round(eps);
        double negStepSize = arithmetic.round(-stepSize);

        Storage g = d.storage();
        Storage m = expAvg.storage();
        Storage v = expAvgSq.storage();
        Tensor delta = Tensor.zeros(parameter.dtype(), parameter.shape());
        Storage q = delta.storage();
        for (int i = 0; i < q.length(); i++) {
            double gi = g.get(i);
            // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
            double mi = arithmetic.fma(oneMinusB1, gi, arithmetic.round(b1 * m.get(i)));
            // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            double vi = arithmetic.fma(arithmetic.round(oneMinusB2 * gi), gi, arithmetic.round(b2 * v.get(i)));
            m.set(i, mi);
            v.set(i, vi);
            // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
            double denom = arithmetic.round(arithmetic.round(arithmetic.round(Math.sqrt(vi)) / bc2Sqrt) + epsilon);
            // param.addcdiv_(exp_avg, denom, value=-step_size): param + (value·exp_avg) / denom
            q.set(i, arithmetic.round(negStepSize * mi) / denom);
        }
        parameter.addScaled(1.0, delta);
    }
}
