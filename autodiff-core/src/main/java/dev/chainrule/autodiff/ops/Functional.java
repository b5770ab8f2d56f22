package dev.chainrule.autodiff.ops;

import dev.chainrule.autodiff.Tensor;

/**
 * Composite functions built from the primitives in {@link Ops}, so their derivatives follow from
 * the primitives' rules: means, softmax, log-softmax and the losses; the softmax cross-entropy is
 * one primitive of its own, as in every training framework.
 */
public final class Functional {
    private Functional() {
    }

    /** Mean of all elements: sum / count. */
    public static Tensor mean(Tensor x) {
        return Ops.div(Ops.sum(x), Ops.constant(x.size(), x));
    }

    /** Mean along {@code axis}: sum along it / its length. */
    public static Tensor mean(Tensor x, int axis, boolean keepDim) {
        return Ops.div(Ops.sum(x, axis, keepDim), Ops.constant(x.shape().dim(axis), x));
    }

    /**
     * Softmax along the last axis, stable for large logits: the row maximum is subtracted first (as a
     * constant: softmax does not change when every logit of a row is shifted by the same amount).
     */
    public static Tensor softmax(Tensor x) {
        Tensor e = Ops.exp(shiftedByRowMax(x));
        return Ops.div(e, Ops.sum(e, -1, true));
    }

    /** log(softmax(x)) along the last axis, computed as z − log Σ exp z with z = x − max(x) (no overflow). */
    public static Tensor logSoftmax(Tensor x) {
        Tensor z = shiftedByRowMax(x);
        return Ops.sub(z, Ops.log(Ops.sum(Ops.exp(z), -1, true)));
    }

    /**
     * Softmax cross-entropy of logits [N×C] against integer class labels (length N, each in [0, C)),
     * averaged over the batch: −(1/N) Σ_i log softmax(x_i)[label_i].
     */
    public static Tensor crossEntropy(Tensor logits, int[] labels) {
        return Ops.div(crossEntropySum(logits, labels), Ops.constant(logits.shape().dim(0), logits));
    }

    /**
     * Softmax cross-entropy summed over the batch: −Σ_i log softmax(x_i)[label_i], as one graph node
     * (its derivative softmax − one-hot is exact and cheap; see {@link SoftmaxCrossEntropy}).
     * Data-parallel training adds these per shard and divides by the global batch size once.
     */
    public static Tensor crossEntropySum(Tensor logits, int[] labels) {
        Checks.rank("crossEntropy", logits, 2);
        int rows = logits.shape().dim(0);
        int classes = logits.shape().dim(1);
        if (labels.length != rows) {
            throw new IllegalArgumentException("crossEntropy: " + labels.length + " labels for logits " + logits.shape()
                    + " (expected: " + rows + ")");
        }
        for (int i = 0; i < rows; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("crossEntropy: label " + labels[i] + " at row " + i
                        + " is outside [0, " + classes + ")");
            }
        }
        return new SoftmaxCrossEntropy(labels.clone()).apply(logits);
    }

    /** Mean squared error: mean((prediction − target)²), same shapes. */
    public static Tensor mse(Tensor prediction, Tensor target) {
        if (!prediction.shape().equals(target.shape())) {
            throw new IllegalArgumentException("mse: prediction " + prediction.shape() + " and target " + target.shape() + " differ");
        }
        return mean(Ops.pow(Ops.sub(prediction, target), 2.0));
    }

    private static Tensor shiftedByRowMax(Tensor x) {
        return Ops.sub(x, Ops.max(x, -1, true).detach());
    }
}
