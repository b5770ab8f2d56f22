package dev.chainrule.worker;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.nn.Mlp;
import dev.chainrule.proto.v1.WeightsChunk;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.wire.WireFormatException;
import java.util.Map;

/**
 * Takes one step's weights chunk by chunk and, when the chunk marked last arrives, copies them into
 * the worker's model in place (inside {@link GradMode#noGrad()}), so one model serves the whole run.
 * Steps only move forward. Not thread-safe: the worker's loop uses it.
 */
final class WeightsReceiver {
    private final Map<String, Tensor> parameters;
    private final Mlp model;
    private TensorAssembler assembler;
    private long receiving = -1;
    private long loaded = -1;

    /** Weights for {@code model}, whose parameters are overwritten. */
    WeightsReceiver(Mlp model) {
        this.model = model;
        this.parameters = model.namedParameters();
    }

    /**
     * Takes the next chunk; after the one marked last, the step's weights are the model's.
     *
     * @throws ProtocolViolation for a chunk of another step mid-weights, an old step, or a malformed chunk
     */
    void accept(WeightsChunk chunk) throws ProtocolViolation {
        if (assembler == null) {
            if (chunk.getStep() <= loaded) {
                throw new ProtocolViolation("weights for step " + chunk.getStep() + " after those of step " + loaded);
            }
            assembler = new TensorAssembler(Mlp.parameterShapes(model.spec()));
            receiving = chunk.getStep();
        } else if (chunk.getStep() != receiving) {
            throw new ProtocolViolation("a weights chunk of step " + chunk.getStep() + " before the weights of step " + receiving
                    + " were complete");
        }
        try {
            assembler.accept(chunk.getTensor());
            if (!chunk.getLast()) {
                return;
            }
            Map<String, Tensor> weights = assembler.complete();
            for (Map.Entry<String, Tensor> w : weights.entrySet()) {
                if (w.getValue().dtype() != DType.FLOAT32) {
                    throw new ProtocolViolation("weights of step " + receiving + ": tensor '" + w.getKey() + "' is "
                            + w.getValue().dtype().name().toLowerCase() + " (expected: float32)");
                }
            }
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                weights.forEach((name, value) -> parameters.get(name).copyFrom(value));
            }
        } catch (WireFormatException e) {
            throw new ProtocolViolation("weights of step " + receiving + ": " + e.getMessage());
        }
        loaded = receiving;
        assembler = null;
    }

    /** Whether a step's weights have started to arrive and are not complete. */
    boolean inProgress() {
        return assembler != null;
    }

    /** The step whose weights are arriving. */
    long receiving() {
        return receiving;
    }

    /** The step whose weights the model holds, or -1 before the first. */
    long loaded() {
        return loaded;
    }
}
