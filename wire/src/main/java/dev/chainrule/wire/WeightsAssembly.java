package dev.chainrule.wire;

import dev.chainrule.autodiff.GradMode;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.WeightsChunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Takes weights as they arrive in {@link WeightsChunk}s, one tensor at a time, each labelled with the
 * step it is the starting point of, copying each chunk's bytes straight into the tensor's destination
 * (one copy per byte, no tensor in between): a worker's model parameters as the coordinator sends
 * them, or the ranges of them that a partition's pieces are. When a tensor's final chunk (marked last)
 * arrives whole, the tensor that owns its destination is marked modified (inside
 * {@link GradMode#noGrad()}) and the tensor holds that step's weights. Tensors move on independently
 * and may come again with an older step's weights. The destinations are not used while a tensor's
 * chunks arrive: a worker computes a step's shards only when every tensor holds that step's weights
 * ({@link #notAt}), and a malformed chunk ends the call, whose weights are then dropped. Not
 * thread-safe: one receiving loop uses it.
 */
public final class WeightsAssembly {
    private final Map<String, Tensor> destinations;
    private final Map<String, Tensor> owners;
    private final Map<String, Long> steps = new HashMap<>();
    private TensorAssembler assembler;
    private String receivingName;
    private long receivingStep = -1;

    /**
     * Weights written into {@code destinations} (float32, by tensor name, in the order {@link #notAt}
     * lists them); a completed tensor marks {@code owners.get(name)} modified, the tensor whose memory
     * its destination is (the destination itself, or the parameter a piece is a range of).
     */
    public WeightsAssembly(Map<String, Tensor> destinations, Map<String, Tensor> owners) {
        this.destinations = destinations;
        this.owners = owners;
        destinations.keySet().forEach(name -> steps.put(name, -1L));
    }

    /**
     * Takes the next chunk; after a tensor's chunk marked last, the tensor holds the chunk's step's weights.
     *
     * @throws WireFormatException for a chunk of another tensor or step before the current one is
     *     complete, an unknown tensor, a final chunk not marked last (or the reverse), or a malformed chunk
     */
    public void accept(WeightsChunk chunk) {
        String name = chunk.getTensor().getName();
        if (assembler == null) {
            Tensor destination = destinations.get(name);
            if (destination == null) {
                throw new WireFormatException("weights of step " + chunk.getStep() + " for unknown tensor '" + name + "' (expected: one of "
                        + destinations.keySet() + ")");
            }
            Shape shape = destination.shape();
            assembler = new TensorAssembler(Map.of(name, shape)).into(Map.of(name, destination));
            receivingName = name;
            receivingStep = chunk.getStep();
        } else if (chunk.getStep() != receivingStep || !name.equals(receivingName)) {
            throw new WireFormatException("a weights chunk of '" + name + "' for step " + chunk.getStep() + " before the weights of '"
                    + receivingName + "' for step " + receivingStep + " were complete");
        }
        try {
            assembler.accept(chunk.getTensor());
        } catch (WireFormatException e) {
            throw new WireFormatException("weights of step " + receivingStep + ": " + e.getMessage());
        }
        if (assembler.finished() != chunk.getLast()) {
            throw new WireFormatException("weights of '" + name + "' for step " + receivingStep + ": " + (chunk.getLast()
                    ? "a chunk marked last before the tensor was complete (expected: " + assembler.awaiting() + ")"
                    : "the tensor's final chunk is not marked last"));
        }
        if (chunk.getLast()) {
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                owners.get(name).markModified();
            }
            steps.put(name, receivingStep);
            assembler = null;
        }
    }

    /** Whether a tensor's weights have started to arrive and are not complete. */
    public boolean inProgress() {
        return assembler != null;
    }

    /** "'fc1.weight' for step 3", the tensor whose weights are arriving, for messages. */
    public String receiving() {
        return "'" + receivingName + "' for step " + receivingStep;
    }

    /** The step whose weights tensor {@code name} holds, or -1 for none yet. */
    public long stepOf(String name) {
        Long held = steps.get(name);
        if (held == null) {
            throw new IllegalArgumentException("no tensor is named '" + name + "' (expected one of " + destinations.keySet() + ")");
        }
        return held;
    }

    /** The tensors that do not hold the weights of step {@code step}, with the step they hold: "fc1.weight (step 2)". */
    public List<String> notAt(long step) {
        List<String> behind = new ArrayList<>();
        destinations.keySet().forEach(name -> {
            long held = steps.get(name);
            if (held != step) {
                behind.add(name + (held < 0 ? " (none yet)" : " (step " + held + ")"));
            }
        });
        return behind;
    }
}
