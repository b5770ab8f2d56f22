package dev.chainrule.wire;

import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.TensorChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The GradientChunk messages of one tensor of a shard's gradient, for the coordinator's session or a partition's exchange. */
public final class GradientMessages {
    private GradientMessages() {
    }

    /**
     * One message per chunk of {@code chunks}, of shard {@code shard} of step {@code step}
     * ({@code samples} samples, loss sum {@code lossSum}), each wrapped by {@code wrap}; the final one
     * is marked last when the tensor is the shard's {@code lastTensor} on its stream.
     */
    public static <M> List<M> of(long step, int shard, int samples, double lossSum, List<TensorChunk> chunks, boolean lastTensor,
            Function<GradientChunk, M> wrap) {
        List<M> messages = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            messages.add(wrap.apply(GradientChunk.newBuilder()
                    .setStep(step)
                    .setShardIndex(shard)
                    .setSampleCount(samples)
                    .setLossSum(lossSum)
                    .setTensor(chunks.get(i))
                    .setLast(lastTensor && i == chunks.size() - 1).build()));
        }
        return messages;
    }
}
