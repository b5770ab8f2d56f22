package dev.chainrule.coordinator;

import dev.chainrule.autodiff.Tensor;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * Sends the model's weights to workers one parameter at a time, each labelled with the step it is
 * the starting point of, and keeps track of which step's weights of each parameter every worker was
 * sent last ({@link WorkerHandle#sentStep}), so that a worker is never sent what it already holds:
 * every parameter goes out to the step's live workers once the step seals, and at a step's start (or
 * before a reassigned shard) a worker is sent only the parameters it lacks. A parameter's messages
 * are serialised once per step, and every worker's stream is given the same bytes.
 *
 * <p>Called on the coordinator's event loop, whose alone the workers' sent steps are.
 */
final class WeightsSender {
    private final List<String> names;
    private final int chunkBytes;
    private final LongSupplier stamp;

    /** A sender for parameters named {@code names} (in the model's order), in chunks of {@code chunkBytes}. */
    WeightsSender(List<String> names, int chunkBytes) {
        this(names, chunkBytes, null);
    }

    /** As above, stamping each chunk with {@code stamp}'s time (for the workers' timelines), unless it is null. */
    WeightsSender(List<String> names, int chunkBytes, LongSupplier stamp) {
        this.names = List.copyOf(names);
        this.chunkBytes = chunkBytes;
        this.stamp = stamp;
    }

    /** Sends {@code worker} every parameter whose weights of step {@code step} it was not sent last, from {@code values}. */
    void sendMissing(WorkerHandle worker, long step, IntFunction<Tensor> values) {
        for (int p = 0; p < names.size(); p++) {
            if (worker.sentStep(p) != step) {
                List<byte[]> messages = Messages.weights(step, names.get(p), values.apply(p), chunkBytes, stamp);
                send(worker, p, step, messages, serializedSize(messages));
            }
        }
    }

    /**
     * Sends each of {@code workers} tensors that are not parameters, by name, labelled with step
     * {@code step}, as weights are sent (each tensor serialised once): a resumed run's optimiser
     * buffers, which its partitions' hosts take their pieces from.
     */
    void sendTensors(Collection<WorkerHandle> workers, long step, Map<String, Tensor> tensors) {
        tensors.forEach((name, values) -> {
            List<byte[]> messages = Messages.weights(step, name, values, chunkBytes, stamp);
            long bytes = serializedSize(messages);
            for (WorkerHandle worker : workers) {
                sendNamed(worker, name, messages, bytes);
            }
        });
    }

    /** Sends parameter {@code parameter}'s weights of step {@code step}, {@code values}, to each of {@code workers}. */
    void send(int parameter, long step, Tensor values, Collection<WorkerHandle> workers) {
        List<byte[]> messages = Messages.weights(step, names.get(parameter), values, chunkBytes, stamp);
        long bytes = serializedSize(messages);
        for (WorkerHandle worker : workers) {
            send(worker, parameter, step, messages, bytes);
        }
    }

    private void send(WorkerHandle worker, int parameter, long step, List<byte[]> messages, long bytes) {
        sendNamed(worker, names.get(parameter), messages, bytes);
        worker.sentStep(parameter, step);
    }

    /** Queues tensor {@code name}'s {@code messages} ({@code bytes} in all) on {@code worker}'s outbox, and counts them. */
    private void sendNamed(WorkerHandle worker, String name, List<byte[]> messages, long bytes) {
        worker.outbox().sendWeights(name, messages);
        worker.meters().weightsBytesSent(bytes);
    }

    private static long serializedSize(List<byte[]> messages) {
        return messages.stream().mapToLong(m -> m.length).sum();
    }
}
