package dev.chainrule.worker;

import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.nn.Mlp;
import dev.chainrule.proto.v1.WeightsChunk;
import dev.chainrule.wire.TensorAssembler;
import dev.chainrule.wire.WireFormatException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Takes the weights the coordinator sends, one parameter at a time, copying each chunk's bytes
 * straight into the worker's model parameter in place (one copy per byte, no tensor in between), so
 * one model serves the whole run. Each parameter's weights are labelled with the step they are the
 * starting point of; when a parameter's final chunk (marked last) arrives whole, the parameter is
 * marked modified (inside {@link GradMode#noGrad()}) and holds that step's weights. Parameters move
 * on independently: the coordinator sends each as soon as its update exists, and may send a
 * parameter's older weights again when it hands the worker a shard of an earlier step to recompute.
 * The model is not used while a parameter's chunks arrive: the worker computes a step's shards only
 * when every parameter holds that step's weights ({@link #notAt}), and a malformed chunk ends the
 * session, whose model is then dropped. Not thread-safe: the worker's loop uses it.
 */
final class WeightsReceiver {
    private final Map<String, Tensor> parameters;
    private final Map<String, Shape> shapes;
    private final Map<String, Long> steps = new HashMap<>();
    private TensorAssembler assembler;
    private String receivingName;
    private long receivingStep = -1;

    /** Weights for {@code model}, whose parameters are overwritten. */
    WeightsReceiver(Mlp model) {
        this.parameters = model.namedParameters();
        this.shapes = Mlp.parameterShapes(model.spec());
        parameters.keySet().forEach(name -> steps.put(name, -1L));
    }

    /**
     * Takes the next chunk; after a parameter's chunk marked last, the parameter holds the chunk's step's weights.
     *
     * @throws ProtocolViolation for a chunk of another parameter or step before the current one is
     *     complete, an unknown parameter, a final chunk not marked last (or the reverse), or a malformed chunk
     */
    void accept(WeightsChunk chunk) throws ProtocolViolation {
        String name = chunk.getTensor().getName();
        if (assembler == null) {
            Shape shape = shapes.get(name);
            if (shape == null) {
                throw new ProtocolViolation("weights of step " + chunk.getStep() + " for unknown parameter '" + name + "' (expected: one of "
                        + shapes.keySet() + ")");
            }
            assembler = new TensorAssembler(Map.of(name, shape)).into(Map.of(name, parameters.get(name)));
            receivingName = name;
            receivingStep = chunk.getStep();
        } else if (chunk.getStep() != receivingStep || !name.equals(receivingName)) {
            throw new ProtocolViolation("a weights chunk of '" + name + "' for step " + chunk.getStep() + " before the weights of '"
                    + receivingName + "' for step " + receivingStep + " were complete");
        }
        try {
            assembler.accept(chunk.getTensor());
        } catch (WireFormatException e) {
            throw new ProtocolViolation("weights of step " + receivingStep + ": " + e.getMessage());
        }
        if (assembler.finished() != chunk.getLast()) {
            throw new ProtocolViolation("weights of '" + name + "' for step " + receivingStep + ": " + (chunk.getLast()
                    ? "a chunk marked last before the tensor was complete (expected: " + assembler.awaiting() + ")"
                    : "the tensor's final chunk is not marked last"));
        }
        if (chunk.getLast()) {
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                parameters.get(name).markModified();
            }
            steps.put(name, receivingStep);
            assembler = null;
        }
    }

    /** Whether a parameter's weights have started to arrive and are not complete. */
    boolean inProgress() {
        return assembler != null;
    }

    /** "'fc1.weight' for step 3", the parameter whose weights are arriving, for messages. */
    String receiving() {
        return "'" + receivingName + "' for step " + receivingStep;
    }

    /** The parameters that do not hold the weights of step {@code step}, with the step they hold: "fc1.weight (step 2)". */
    List<String> notAt(long step) {
        List<String> behind = new ArrayList<>();
        parameters.keySet().forEach(name -> {
            long held = steps.get(name);
            if (held != step) {
                behind.add(name + (held < 0 ? " (none yet)" : " (step " + held + ")"));
            }
        });
        return behind;
    }
}
