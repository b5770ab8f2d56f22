package dev.chainrule.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.DataFileException;
import dev.chainrule.data.Dataset;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    /** One linear layer with identity weights: the logits are the features. */
    private static Mlp identity(int classes) {
        float[] w = new float[classes * classes];
        for (int c = 0; c < classes; c++) {
            w[c * classes + c] = 1;
        }
        return Mlp.fromWeights(ModelSpec.of(classes, classes), Activation.RELU,
                Map.of("fc1.weight", Tensor.of(w, classes, classes), "fc1.bias", Tensor.of(new float[classes], classes)));
    }

    @Test
    void accuracyLossAndConfusionOfAHandMadeCase() {
        // logits = features
        float[] x = {
            2, 0,      // label 0, predicted 0
            0, 1,      // label 1, predicted 1
            3, 1,      // label 1, predicted 0
            0.5f, 0.5f // label 0, a tie: the first class wins, predicted 0
        };
        int[] y = {0, 1, 1, 0};
        Evaluation e = Evaluation.of(identity(2), Dataset.of("tiny", x, y, 2));
        assertEquals(4, e.samples());
        assertEquals(0.75, e.accuracy(), 0);
        assertArrayEquals(new int[] {2, 0}, e.confusion()[0]);
        assertArrayEquals(new int[] {1, 1}, e.confusion()[1]);
        // −log softmax(x)[label] = log(1 + e^(other − own))
        double expected = (Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(2)) + Math.log(2)) / 4;
        assertEquals(expected, e.loss(), 1e-6);
    }

    @Test
    void confusionHasOneRowAndColumnPerModelOutputEvenForUnseenClasses() {
        float[] x = {5, 0, 0, 0, 5, 0};
        Evaluation e = Evaluation.of(identity(3), Dataset.of("two-classes", x, new int[] {0, 1}, 3));
        assertEquals(3, e.confusion().length);
        for (int[] row : e.confusion()) {
            assertEquals(3, row.length);
        }
        assertArrayEquals(new int[] {0, 0, 0}, e.confusion()[2]);
        assertEquals(1.0, e.accuracy(), 0);
    }

    @Test
    void manyBatchesGiveTheSameFiguresAsOneReferencePass() {
        // more samples than one evaluation batch holds
        int n = 2503;
        Dataset data = SyntheticData.random("random", n, 4, 3, 11);
        Mlp model = Mlp.initialized(ModelSpec.of(4, 6, 3), Activation.TANH, 3);
        Evaluation e = Evaluation.of(model, data);

        int[][] confusion = new int[3][3];
        double loss = 0;
        int correct = 0;
        float[] row = new float[4];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                row[j] = data.feature(i, j);
            }
            double[] logits = model.forward(Tensor.of(row, 1, 4)).toDoubleArray();
            int best = 0;
            for (int c = 1; c < 3; c++) {
                best = logits[c] > logits[best] ? c : best;
            }
            double max = Math.max(logits[0], Math.max(logits[1], logits[2]));
            double logSum = max + Math.log(Math.exp(logits[0] - max) + Math.exp(logits[1] - max) + Math.exp(logits[2] - max));
            loss += logSum - logits[data.label(i)];
            confusion[data.label(i)][best]++;
            correct += best == data.label(i) ? 1 : 0;
        }
        assertEquals(n, e.samples());
        assertEquals((double) correct / n, e.accuracy(), 0);
        assertEquals(loss / n, e.loss(), 1e-5);
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(confusion[c], e.confusion()[c], "row " + c);
        }
        int total = 0;
        for (int[] r : e.confusion()) {
            for (int v : r) {
                total += v;
            }
        }
        assertEquals(n, total);
    }

    @Test
    void evaluationRecordsNoGraphAndLeavesGradModeOn() {
        Mlp model = Mlp.initialized(ModelSpec.of(4, 6, 3), Activation.RELU, 3);
        Evaluation.of(model, SyntheticData.random("random", 20, 4, 3, 1));
        assertTrue(GradMode.isEnabled());
        for (Tensor p : model.parameters()) {
            assertNull(p.grad());
        }
    }

    @Test
    void dataThatDoesNotFitIsRejected() {
        DataFileException wide = assertThrows(DataFileException.class,
                () -> Evaluation.of(identity(3), SyntheticData.random("wide.csv", 5, 4, 3, 1)));
        assertTrue(wide.getMessage().startsWith("wide.csv: "), wide.getMessage());
        DataFileException labels = assertThrows(DataFileException.class,
                () -> Evaluation.of(identity(2), Dataset.of("labels.csv", new float[] {1, 0, 0, 1}, new int[] {0, 2}, 2)));
        assertTrue(labels.getMessage().contains("label 2 of sample 1"), labels.getMessage());
    }
}
