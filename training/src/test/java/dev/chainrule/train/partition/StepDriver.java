package dev.chainrule.train.partition;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.train.StepReduction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Runs one step through one or more reductions as a coordinator would: every shard's gradients
 * given in a shuffled order, interleaved across the reductions, then the losses, then finish.
 */
final class StepDriver {
    /** The tensor reduction {@code reduction} takes for its parameter {@code index} from shard {@code shard}. */
    interface Gradients {
        Tensor of(int shard, int reduction, int index);
    }

    private StepDriver() {
    }

    /**
     * Runs {@code step} through {@code reductions}, of which reduction r has {@code sizes.get(r)}
     * parameters; returns the mean loss, after checking that every reduction gave the same bits of it.
     */
    static double run(RandomSteps.Step step, List<StepReduction> reductions, List<Integer> sizes, Gradients gradients,
            Random order) {
        List<int[]> arrivals = new ArrayList<>();
        for (int s = 0; s < step.plan().shards(); s++) {
            for (int r = 0; r < reductions.size() && step.plan().size(s) > 0; r++) {
                for (int i = 0; i < sizes.get(r); i++) {
                    arrivals.add(new int[] {s, r, i});
                }
            }
        }
        Collections.shuffle(arrivals, order);
        reductions.forEach(r -> r.begin(step.plan(), step.divisor(), step.learningRate()));
        for (int[] a : arrivals) {
            reductions.get(a[1]).add(a[0], a[2], gradients.of(a[0], a[1], a[2]));
        }
        for (int s = 0; s < step.plan().shards(); s++) {
            for (StepReduction r : reductions) {
                r.addLoss(s, step.lossSums()[s], step.plan().size(s));
            }
        }
        double loss = reductions.get(0).finish();
        for (StepReduction r : reductions.subList(1, reductions.size())) {
            double other = r.finish();
            if (Double.doubleToRawLongBits(other) != Double.doubleToRawLongBits(loss)) {
                throw new AssertionError("reductions disagree on the loss: " + loss + " and " + other);
            }
        }
        return loss;
    }
}
