package dev.chainrule.worker;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.nn.Mlp;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.proto.v1.PartitionPlan;
import dev.chainrule.proto.v1.WeightsChunk;
import dev.chainrule.wire.WeightsAssembly;
import dev.chainrule.wire.WireFormatException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A host's PartitionPlan in a resumed run, waiting for the optimiser state that follows it: the whole
 * model's buffers, {@code <parameter>.<buffer>} for every parameter and every buffer the plan names,
 * each shaped like its parameter and labelled with the plan's step. Once every one is in,
 * {@link #state} gives the state the hosted partition takes its pieces' elements from. Used by the
 * worker's loop alone.
 */
final class PlanAwaitingState {
    private final PartitionPlan plan;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final WeightsAssembly assembly;

    /** The wait for the state {@code plan} announces, of {@code model}'s parameters. */
    PlanAwaitingState(PartitionPlan plan, Mlp model) throws ProtocolViolation {
        this.plan = plan;
        if (plan.getOptimizerBuffersCount() == 0) {
            throw new ProtocolViolation("PartitionPlan: optimizer_step_count " + plan.getOptimizerStepCount()
                    + " but no optimizer_buffers (expected: the buffers whose state follows)");
        }
        model.namedParameters().forEach((name, parameter) -> {
            for (String buffer : plan.getOptimizerBuffersList()) {
                String key = name + "." + buffer;
                buffers.put(key, Tensor.lastingZeros(DType.FLOAT32, parameter.shape()).named(key));
            }
        });
        this.assembly = new WeightsAssembly(buffers, buffers);
    }

    /** The plan. */
    PartitionPlan plan() {
        return plan;
    }

    /**
     * Takes the next chunk of the state.
     *
     * @throws ProtocolViolation for a chunk of another step or of a tensor that is not one of the
     *     state's buffers, or a malformed one
     */
    void accept(WeightsChunk chunk) throws ProtocolViolation {
        if (chunk.getStep() != plan.getStep()) {
            throw new ProtocolViolation("optimiser state of step " + chunk.getStep() + " after the PartitionPlan of step " + plan.getStep());
        }
        try {
            assembly.accept(chunk);
        } catch (WireFormatException e) {
            throw new ProtocolViolation("the optimiser state after the PartitionPlan: " + e.getMessage());
        }
    }

    /** Whether every buffer is in. */
    boolean complete() {
        return !assembly.inProgress() && assembly.notAt(plan.getStep()).isEmpty();
    }

    /** The whole model's optimiser state, once {@link #complete}. */
    OptimizerState state() {
        return OptimizerState.of(plan.getOptimizer(), plan.getOptimizerStepCount(), buffers);
    }

    /** What is still missing, for messages. */
    String missing() {
        return assembly.inProgress() ? "the rest of the optimiser state of " + assembly.receiving()
                : "the optimiser state of " + assembly.notAt(plan.getStep());
    }
}
