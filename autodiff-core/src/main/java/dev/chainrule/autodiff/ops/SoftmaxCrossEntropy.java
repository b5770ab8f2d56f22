package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Op;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;

/**
 * Softmax cross-entropy of logits x [n×c] against integer labels, summed over the rows, as one
 * node: L = Σ_i (log Σ_j e^{x_ij} − x_{i,label_i}), each row shifted by its maximum first (no
 * overflow) and evaluated in double. ∂L/∂x_ij = softmax(x_i)_j − [j = label_i], so backward is
 * t·(softmax − one-hot) and jvp is Σ (softmax − one-hot) ⊙ dx.
 */
final class SoftmaxCrossEntropy extends Op {
    private final int[] labels;
    private double[] probabilities;

    SoftmaxCrossEntropy(int[] labels) {
        super("crossEntropy");
        this.labels = labels;
    }

    @Override
    protected Tensor forward(Tensor[] in) {
        Tensor logits = in[0];
        int rows = logits.shape().dim(0);
        int classes = logits.shape().dim(1);
        probabilities = new double[rows * classes];
        double total = 0;
        for (int i = 0; i < rows; i++) {
            int row = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, logits.getFlat(row + j));
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                double e = Math.exp(logits.getFlat(row + j) - max);
                probabilities[row + j] = e;
                sum += e;
            }
            for (int j = 0; j < classes; j++) {
                probabilities[row + j] /= sum;
            }
            total += Math.log(sum) + max - logits.getFlat(row + labels[i]);
        }
        return Tensor.scalar(total, logits.dtype());
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        double t = gradOutput.item();
        int classes = probabilities.length / Math.max(labels.length, 1);
        Tensor grad = Tensor.uninitialized(gradOutput.dtype(), Shape.of(labels.length, classes));
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < classes; j++) {
                int k = i * classes + j;
                grad.storage().set(k, t * (probabilities[k] - (j == labels[i] ? 1 : 0)));
            }
        }
        return new Tensor[] {grad};
    }

    @Override
    protected Tensor jvp(Tensor[] tangents) {
        int classes = probabilities.length / Math.max(labels.length, 1);
        double d = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < classes; j++) {
                int k = i * classes + j;
                d += (probabilities[k] - (j == labels[i] ? 1 : 0)) * tangents[0].getFlat(k);
            }
        }
        return Tensor.scalar(d, tangents[0].dtype());
    }
}
