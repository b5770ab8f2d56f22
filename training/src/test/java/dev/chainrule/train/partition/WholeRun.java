package dev.chainrule.train.partition;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.Optimizer;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.train.StepReduction;
import java.util.List;
import java.util.Random;

/** The reference: the whole model's parameters, its optimiser and one {@link StepReduction} over them. */
final class WholeRun {
    private final List<Tensor> parameters;
    private final Optimizer optimizer;
    private final StepReduction reduction;
    private final Random order = new Random(17);

    /** A run over copies of {@code parameters} with a new {@code kind} optimiser. */
    WholeRun(List<Tensor> parameters, String kind, OptimizerSettings settings) {
        this.parameters = RandomSteps.copies(parameters);
        this.optimizer = Optimizers.create(kind, settings);
        this.reduction = new StepReduction(this.parameters, optimizer);
    }

    /** Runs {@code step}; returns the mean loss. */
    double step(RandomSteps.Step step) {
        return StepDriver.run(step, List.of(reduction), List.of(parameters.size()),
                (shard, r, p) -> step.gradients().get(shard).get(p), order);
    }

    /** The parameters (not copies). */
    List<Tensor> parameters() {
        return parameters;
    }

    /** The optimiser's state. */
    OptimizerState state() {
        return optimizer.exportState();
    }
}
