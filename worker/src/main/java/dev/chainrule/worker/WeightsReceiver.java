package dev.chainrule.worker;

import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.nn.Mlp;
import dev.chainrule.proto.v1.WeightsChunk;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.wire.WireFormatException;
import java.util.Map;

/**
 * Takes one step's weights chunk by chunk, copying each chunk's bytes straight into the worker's
 * model parameters in place (one copy per byte, no tensor in between), so one model serves the whole
 * run; when the chunk marked last arrives and every tensor is whole, the parameters are marked
 * modified (inside {@link GradMode#noGrad()}) and the step's weights are the model's. The model is
 * not used while they arrive: the worker computes only after a step's weights are complete, and a
 * malformed chunk ends the session, whose model is then dropped. Steps only move forward. Not
 * thread-safe: the worker's loop uses it.
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
            assembler = new TensorAssembler(Mlp.parameterShapes(model.spec())).into(parameters);
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
            assembler.complete();
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                parameters.values().forEach(Tensor::markModified);
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
