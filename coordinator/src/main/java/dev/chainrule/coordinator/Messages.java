package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.Shard;
import dev.chainrule.proto.v1.StepAssignment;
import dev.chainrule.proto.v1.Stop;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.WeightsChunk;
import dev.chainrule.proto.v1.Welcome;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.wire.TensorChunks;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** Builds the coordinator's outbound messages. */
final class Messages {
    private Messages() {
    }

    /** The Welcome for worker {@code workerId} of {@code run}. */
    static CoordinatorMessage welcome(int workerId, RunDescription run, CoordinatorSettings settings, long coordinatorNanos) {
        dev.chainrule.proto.v1.TrainingConfig config = dev.chainrule.proto.v1.TrainingConfig.newBuilder()
                .setBatchSize(run.config().batchSize())
                .setShards(run.config().shards())
                .setTotalSteps(run.totalSteps())
                .setChunkBytes(settings.chunkBytes())
                .setGradientCompression(settings.compression().toProto())
                .setHeartbeatIntervalMillis(settings.heartbeatInterval().toMillis())
                .setReceiveTimeoutMillis(settings.receiveTimeout().toMillis())
                .build();
        return CoordinatorMessage.newBuilder().setWelcome(Welcome.newBuilder()
                .setWorkerId(workerId)
                .setModelSpec(run.spec().toString())
                .setActivation(run.activation().toString())
                .setConfig(config)
                .setCoordinatorNanos(coordinatorNanos)).build();
    }

    /**
     * Parameter {@code name}'s weights that step {@code step} starts from, {@code values}, chunked and
     * serialised (once, for however many workers they are sent to; nothing of them views the tensor);
     * the tensor's final chunk is marked last. Each chunk carries {@code stamp}'s time as
     * {@code sent_nanos}, unless it is null.
     */
    static List<byte[]> weights(long step, String name, Tensor values, int chunkBytes, LongSupplier stamp) {
        List<TensorChunk> chunks = TensorChunks.of(name, values, chunkBytes);
        List<byte[]> messages = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            WeightsChunk.Builder chunk = WeightsChunk.newBuilder()
                    .setStep(step)
                    .setTensor(chunks.get(i))
                    .setLast(i == chunks.size() - 1);
            if (stamp != null) {
                chunk.setSentNanos(stamp.getAsLong());
            }
            messages.add(CoordinatorMessage.newBuilder().setWeights(chunk).build().toByteArray());
        }
        return messages;
    }

    /** The assignment of {@code shards} of step {@code step}: each shard's slice of {@code batch} as cut by {@code plan}. */
    static CoordinatorMessage assignment(long step, List<Integer> shards, int[] batch, ShardPlan plan) {
        StepAssignment.Builder assignment = StepAssignment.newBuilder().setStep(step);
        for (int s : shards) {
            Shard.Builder shard = Shard.newBuilder().setIndex(s);
            for (int i = plan.start(s); i < plan.start(s) + plan.size(s); i++) {
                shard.addSampleIndices(batch[i]);
            }
            assignment.addShards(shard);
        }
        return CoordinatorMessage.newBuilder().setAssignment(assignment).build();
    }

    /** The Stop ending a session. */
    static CoordinatorMessage stop(String reason, boolean finished) {
        return CoordinatorMessage.newBuilder().setStop(Stop.newBuilder().setReason(reason).setFinished(finished)).build();
    }
}
