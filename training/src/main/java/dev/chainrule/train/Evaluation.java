package dev.chainrule.train;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.autodiff.Workspace;
import dev.chainrule.autodiff.ops.Functional;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Mlp;

/**
 * A model's mean cross-entropy loss, accuracy and confusion matrix on a data set.
 *
 * @param confusion counts indexed [true label][predicted label]
 */
public record Evaluation(double loss, double accuracy, int samples, int[][] confusion) {
    private static final int BATCH = 1000;

    /** Evaluates {@code model} on every sample of {@code data}, without recording a graph. */
    public static Evaluation of(Mlp model, Dataset data) {
        int classes = model.spec().outputs();
        data.requireFeatures(model.spec().inputs()).requireLabelsBelow(classes, "the model's output layer");
        int[][] confusion = new int[classes][classes];
        double lossSum = 0;
        int correct = 0;
        int width = data.features();
        Workspace workspace = new Workspace();
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (int start = 0; start < data.size(); start += BATCH) {
                int count = Math.min(BATCH, data.size() - start);
                int[] indices = new int[count];
                for (int i = 0; i < count; i++) {
                    indices[i] = start + i;
                }
                try (Workspace.Scope batch = workspace.open()) {
                    Tensor x = Tensor.uninitialized(DType.FLOAT32, Shape.of(count, width));
                    int[] y = new int[count];
                    data.copyBatch(indices, count, ((Storage.Float32) x.storage()).buffer(), y);
                    Tensor logits = model.forward(x);
                    lossSum += Functional.crossEntropySum(logits, y).item();
                    for (int i = 0; i < count; i++) {
                        int predicted = argmax(logits, i, classes);
                        confusion[y[i]][predicted]++;
                        correct += predicted == y[i] ? 1 : 0;
                    }
                }
            }
        }
        return new Evaluation(lossSum / data.size(), (double) correct / data.size(), data.size(), confusion);
    }

    private static int argmax(Tensor logits, int row, int classes) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (logits.getFlat(row * classes + c) > logits.getFlat(row * classes + best)) {
                best = c;
            }
        }
        return best;
    }
}
