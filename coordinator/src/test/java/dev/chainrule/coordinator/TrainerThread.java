package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** The training thread of a test that drives the workers by hand: each step runs on it, as the trainer runs them. */
final class TrainerThread implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor();

    /**
     * Step {@code step} of {@code server}'s executor on this thread: {@code reduction} begun with
     * {@code divisor} and {@code learningRate} (abandoned when the step fails); the mean loss.
     */
    Future<Double> compute(CoordinatorServer server, StepReduction reduction, long step, int[] batch, ShardPlan plan, float divisor,
            double learningRate) {
        return thread.submit(() -> {
            reduction.begin(plan, divisor, learningRate);
            try {
                return server.executor().compute(step, batch, plan, reduction);
            } catch (RuntimeException e) {
                reduction.abandon();
                throw e;
            }
        });
    }

    @Override
    public void close() throws InterruptedException {
        thread.shutdownNow();
        assertTrue(thread.awaitTermination(5, TimeUnit.SECONDS), "the training thread ends");
    }
}
