package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import dev.chainrule.proto.v1.PartitionReport;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What happens to a run, as the threads that see it post it to the {@link CoordinatorLoop}: sessions
 * post what their workers sent (once it passed every check that needs no run state), the training
 * thread posts its steps and waits, the server posts its close. The loop's {@link RunState} decides
 * what each means; the same events in the same order give the same decisions.
 */
sealed interface RunEvent {

    /**
     * A worker's Join that passed every check of the message itself; {@code previousId} is -1 when it
     * names none, {@code partitionAddress} "" when the worker offers to host no partition.
     */
    record Joining(WorkerSession session, String name, int previousId, String partitionAddress) implements RunEvent {
    }

    /** A report of the partition {@code worker} says it hosts, checked as a message. */
    record PartitionReported(WorkerHandle worker, PartitionReport report) implements RunEvent {
    }

    /** A session whose worker had no id yet broke the protocol: it is refused with {@code status}. */
    record Refused(WorkerSession session, Status status) implements RunEvent {
    }

    /** Shard {@code shard}'s gradient of parameter {@code parameter} for step {@code step}, arrived whole and checked. */
    record ParameterGradient(WorkerHandle worker, long step, int shard, int parameter, Tensor gradient) implements RunEvent {
    }

    /** Shard {@code shard} of step {@code step} arrived whole: its loss summed over {@code samples} samples. */
    record ShardArrived(WorkerHandle worker, long step, int shard, double lossSum, int samples) implements RunEvent {
    }

    /**
     * The worker's session ended ({@code why}, e.g. "closed its stream"); {@code rejection} is the
     * status the session ends with when the worker broke the protocol, else null.
     */
    record WorkerGone(WorkerHandle worker, String why, Status rejection) implements RunEvent {
    }

    /** The run fails with {@code message} (the first failure wins). */
    record RunFailed(String message) implements RunEvent {
    }

    /**
     * The training thread asks for step {@code step}: {@code batch} cut by {@code plan}; the mean loss
     * completes {@code result}. In a partitioned run, {@code placement} is the placement of the
     * partitions the training thread last knew of: an older one than the leader's means the run went
     * back to its checkpoint, which the training thread has yet to learn.
     */
    record StepRequested(long step, int[] batch, ShardPlan plan, StepReduction reduction, CompletableFuture<Double> result,
            long placement) implements RunEvent {
        /** A request in a run without partitions. */
        StepRequested(long step, int[] batch, ShardPlan plan, StepReduction reduction, CompletableFuture<Double> result) {
            this(step, batch, plan, reduction, result, 0);
        }
    }

    /**
     * The training thread waits {@code patience}, until {@code deadlineNanos} (System.nanoTime()), for
     * {@code count} live workers; when the time is up, {@code enough} live workers will do.
     */
    record WorkersAwaited(int count, Duration patience, long deadlineNanos, CompletableFuture<Void> result, int enough)
            implements RunEvent {
        /** A wait that fails unless all {@code count} workers joined in time. */
        WorkersAwaited(int count, Duration patience, long deadlineNanos, CompletableFuture<Void> result) {
            this(count, patience, deadlineNanos, result, count);
        }
    }

    /** The server closes after {@code totalSteps} were planned: every live worker is sent Stop; {@code done} completes after. */
    record Closing(long totalSteps, CompletableFuture<Void> done) implements RunEvent {
    }

    /** Time passes: silent workers are dropped and deadlines checked. */
    record Tick() implements RunEvent {
    }
}
