package dev.chainrule.worker;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.wire.CallStream;
import dev.chainrule.wire.GradientEncoder;
import dev.chainrule.wire.GradientMessages;
import java.time.Duration;
import java.util.List;

/**
 * Streams one shard's gradient to the coordinator while reverse differentiation runs: each
 * parameter's gradient is sent as soon as backward has finished it (the last layer's first), as one
 * group of chunks encoded by the session's {@link GradientEncoder}: uncompressed, their bytes view the
 * gradient's memory; gRPC copies them into its own buffers before {@link CallStream#sendAll}
 * returns, so the gradient may be recycled afterwards. The final chunk
 * of the final parameter is marked last. Counts the time spent sending, which is communication, not
 * compute. Not thread-safe: one shard's differentiation uses it.
 */
final class ShardSender implements ShardOutlet {
    private final CallStream<WorkerMessage, CoordinatorMessage> stream;
    private final List<String> names;
    private final long step;
    private final int shard;
    private final int samples;
    private final GradientEncoder encoder;
    private final Duration timeout;
    private final WorkerTimeline timeline;
    private final long started;
    private long backwardStart;
    private int sent;
    private long sendingNanos;

    /**
     * A sender of shard {@code shard} of step {@code step} ({@code samples} samples) for parameters
     * named {@code names}, encoding each gradient with {@code encoder} (the run's compression),
     * recording the forward and backward passes and each send in {@code timeline}.
     */
    ShardSender(CallStream<WorkerMessage, CoordinatorMessage> stream, List<String> names, long step, int shard, int samples,
            GradientEncoder encoder, Duration timeout,
            WorkerTimeline timeline) {
        this.timeline = timeline;
        this.started = timeline.track().now();
        this.stream = stream;
        this.names = names;
        this.step = step;
        this.shard = shard;
        this.samples = samples;
        this.encoder = encoder;
        this.timeout = timeout;
    }

    @Override
    public void forwardDone() {
        timeline.track().span(WorkerTimeline.FORWARD, started, step, shard, -1);
        backwardStart = timeline.track().now();
    }

    @Override
    public void ready(int parameter, Tensor gradient, double lossSum) {
        timeline.track().instant(WorkerTimeline.READY, step, shard, parameter);
        long start = System.nanoTime();
        timeline.sending(step, start);
        boolean lastParameter = ++sent == names.size();
        List<TensorChunk> chunks = encoder.encode(names.get(parameter), gradient);
        List<WorkerMessage> messages = GradientMessages.of(step, shard, samples, lossSum, chunks, lastParameter,
                g -> WorkerMessage.newBuilder().setGradient(g).build());
        stream.sendAll(messages, timeout, "the gradient of " + names.get(parameter) + " of shard " + shard + " of step " + step);
        sendingNanos += System.nanoTime() - start;
        timeline.track().spanWithFlow(WorkerTimeline.SEND, start, step, shard, parameter, true);
    }

    /** Reverse differentiation is done: records the backward pass and the whole shard. */
    @Override
    public void finished() {
        timeline.track().span(WorkerTimeline.BACKWARD, backwardStart, step, shard, -1);
        timeline.track().span(WorkerTimeline.SHARD, started, step, shard, -1);
    }

    @Override
    public long sendingNanos() {
        return sendingNanos;
    }
}
