package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.StepAssignment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a worker that reads slowly is owed: the newest weights of each parameter, in order, and no idle assignment twice. */
class OutboxTest {
    private final RecordingStream stream = new RecordingStream();
    private final Outbox outbox = new Outbox(stream, () -> { });

    @Test
    void newerWeightsOfAParameterReplaceOlderOnesNotYetStartedAndNothingIsReordered() {
        stream.stall();
        outbox.sendWeights("w", weights(4, "w"));
        outbox.sendWeights("b", weights(4, "b"));
        outbox.sendAssignment(assignment(4, 1), false);
        outbox.sendWeights("w", weights(5, "w"));
        stream.becomeReady();
        assertEquals(List.of("w@4", "b@4", "assignment 4", "w@5"), describe(stream.messages),
                "the assignment of step 4 needs w@4, which nothing replaced before it; w@5 comes after it");
        stream.clear();
        stream.stall();
        outbox.sendWeights("w", weights(6, "w"));
        outbox.sendWeights("b", weights(6, "b"));
        outbox.sendWeights("w", weights(7, "w"));
        stream.becomeReady();
        assertEquals(List.of("b@6", "w@7"), describe(stream.messages), "w@6 was never started: only w@7 goes out");
    }

    @Test
    void anIdleAssignmentIsReplacedByTheNextAssignmentWhileNotStarted() {
        stream.stall();
        outbox.sendAssignment(assignment(1), true);
        outbox.sendAssignment(assignment(2), true);
        outbox.sendAssignment(assignment(3, 0), false);
        stream.becomeReady();
        assertEquals(List.of("assignment 3"), describe(stream.messages));
    }

    private static List<byte[]> weights(long step, String name) {
        return Messages.weights(step, name, Tensor.zeros(DType.FLOAT32, 3).named(name), 8, null);
    }

    private static CoordinatorMessage assignment(long step, int... shards) {
        StepAssignment.Builder a = StepAssignment.newBuilder().setStep(step);
        for (int s : shards) {
            a.addShardsBuilder().setIndex(s).addSampleIndices(s);
        }
        return CoordinatorMessage.newBuilder().setAssignment(a).build();
    }

    /** "w@4" for each parameter's final weights chunk of a step, "assignment 4" for an assignment. */
    private static List<String> describe(List<CoordinatorMessage> messages) {
        return messages.stream().filter(m -> m.hasAssignment() || m.getWeights().getLast())
                .map(m -> m.hasAssignment() ? "assignment " + m.getAssignment().getStep()
                        : m.getWeights().getTensor().getName() + "@" + m.getWeights().getStep())
                .toList();
    }
}
