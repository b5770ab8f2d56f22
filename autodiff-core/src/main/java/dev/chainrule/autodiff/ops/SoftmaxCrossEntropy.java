package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Tensor;

/**
 * Softmax cross-entropy of logits x [n×c] against integer labels, summed over the rows, as one
 * node: L = Σ_i (log Σ_j e^{x_ij} − x_{i,label_i}), each row shifted by its maximum first (no
 * overflow) and evaluated in double; the softmax is kept (in the logits' type) for backward. ∂L/∂x_ij = softmax(x_i)_j − [j = label_i], so backward is
 * t·(softmax − one-hot) and jvp is Σ (softmax − one-hot) ⊙ dx.
 */
final class SoftmaxCrossEntropy extends Op {
    private final int[] labels;
    private Tensor probabilities;

    SoftmaxCrossEntropy(int[] labels) {
        super("crossEntropy");
        this.labels = labels;
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        Tensor logits = in[0];
        int rows = logits.shape().dim(0);
        int classes = logits.shape().dim(1);
        probabilities = Tensor.uninitialized(logits.dtype(), logits.shape());
        double[] row64 = new double[classes];
        double total = 0;
        for (int i = 0; i < rows; i++) {
            int row = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, logits.getFlat(row + j));
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                row64[j] = StrictMath.exp(logits.getFlat(row + j) - max);
                sum += row64[j];
            }
            for (int j = 0; j < classes; j++) {
                probabilities.storage().set(row + j, row64[j] / sum);
            }
            total += StrictMath.log(sum) + max - logits.getFlat(row + labels[i]);
        }
        return Tensor.scalar(total, logits.dtype());
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        double t = gradOutput.item();
        int classes = probabilities.shape().dim(1);
        Tensor grad = Tensor.uninitialized(gradOutput.dtype(), probabilities.shape());
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < classes; j++) {
                int k = i * classes + j;
                grad.storage().set(k, t * (probabilities.getFlat(k) - (j == labels[i] ? 1 : 0)));
            }
        }
        return new Tensor[] {grad};
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        int classes = probabilities.shape().dim(1);
        double d = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < classes; j++) {
                int k = i * classes + j;
                d += (probabilities.getFlat(k) - (j == labels[i] ? 1 : 0)) * tangents[0].getFlat(k);
            }
        }
        return Tensor.scalar(d, tangents[0].dtype());
    }
}
