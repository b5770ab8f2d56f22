package dev.chainrule.coordinator;

import dev.chainrule.nn.Mlp;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.ShardGradient;
import dev.chainrule.train.ShardPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Has the joined workers compute each step's shard gradients: before the first step it waits for the
 * expected workers; every step it sends the model's current weights and each worker's shards (shard
 * s to live worker s mod W, in join order), then waits for every non-empty shard's gradient and
 * returns them in shard order, as {@link dev.chainrule.train.LocalShardExecutor} would.
 *
 * <p>Called by the {@link dev.chainrule.train.Trainer} on its thread, once per step; not for
 * concurrent use. A failure (workers missing, a step timing out, a worker breaking the protocol)
 * throws {@link DistributedTrainingException} and fails the run: later steps fail at once.
 */
public final class RemoteShardExecutor implements ShardExecutor {
    private final Mlp model;
    private final WorkerRegistry registry;
    private final CoordinatorSettings settings;
    private volatile long stepsCompleted;
    private boolean workersJoined;

    RemoteShardExecutor(Mlp model, WorkerRegistry registry, CoordinatorSettings settings) {
        this.model = model;
        this.registry = registry;
        this.settings = settings;
    }

    @Override
    public List<ShardGradient> compute(long step, int[] batch, ShardPlan plan) {
        try {
            if (!workersJoined) {
                registry.awaitWorkers(settings.expectedWorkers(), settings.workerWait());
                workersJoined = true;
            }
            PendingStep pending = registry.startStep(step, plan);
            List<CoordinatorMessage> weights = Messages.weights(step, model.namedParameters(), settings.chunkBytes());
            for (WorkerHandle worker : pending.workers()) {
                List<CoordinatorMessage> messages = new ArrayList<>(weights.size() + 1);
                messages.addAll(weights);
                messages.add(Messages.assignment(step, pending.shardsOf(worker), batch, plan));
                worker.outbox().sendStep(messages);
            }
            List<ShardGradient> gradients = pending.await(settings.stepTimeout());
            stepsCompleted++;
            return gradients;
        } catch (DistributedTrainingException e) {
            registry.fail(e.getMessage());
            throw e;
        }
    }

    /** Steps whose gradients all arrived. Safe to read from any thread. */
    public long stepsCompleted() {
        return stepsCompleted;
    }
}
