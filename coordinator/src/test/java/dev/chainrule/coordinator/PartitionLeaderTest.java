package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Dataset;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.Optimizers;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.PartitionPlan;
import dev.chainrule.proto.v1.PartitionReport;
import dev.chainrule.proto.v1.WorkerMessage;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;
import dev.chainrule.train.StepsLostException;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingTestData;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator as a partitioned run's leader, over the in-process transport with hand-driven
 * workers that play the hosts: where it places the partitions, what it sends each worker and in which
 * order, how the hosts' reports seal a step, and the session messages a partitioned run refuses.
 */
class PartitionLeaderTest {
    private static final ModelSpec SPEC = ModelSpec.of(8, 16, 3);
    private static final Dataset TRAIN = TrainingTestData.blobs("train", 100, 3, 8, 1.0, 1);
    private static final TrainingConfig CONFIG = new TrainingConfig(10, 1, 15, true, 7, 3);

    private final TrainerThread trainerThread = new TrainerThread();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private CoordinatorServer server;
    private StepReduction reduction;
    private String name;

    private void start(int workers, int partitions) throws Exception {
        start(workers, partitions, false);
    }

    private void start(int workers, int partitions, boolean rollsBack) throws Exception {
        name = InProcessServerBuilder.generateName();
        Mlp model = Mlp.initialized(SPEC, Activation.RELU, 3);
        reduction = new StepReduction(model.parameters(), Optimizers.create("sgd", OptimizerSettings.defaults()));
        CoordinatorSettings settings = CoordinatorSettings.defaults(workers).withWorkerWait(Duration.ofSeconds(10))
                .withStepTimeout(Duration.ofSeconds(10)).withHeartbeatInterval(Duration.ofMillis(250))
                .withReceiveTimeout(Duration.ofSeconds(20));
        server = new CoordinatorServer(InProcessServerBuilder.forName(name), model, TRAIN, CONFIG, settings,
                new CoordinatorMetrics(registry));
        if (partitions > 0) {
            server.partitioned(new PartitionSetup(partitions, "adam", OptimizerSettings.defaults(), rollsBack), address -> {
                throw new AssertionError("the leader dials no partition unless it evaluates or saves");
            });
        }
        server.start();
    }

    private FakeWorker welcomed(String worker, String partitionAddress, int id) throws InterruptedException {
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        channels.add(channel);
        FakeWorker joined = FakeWorker.joined(channel, FakeWorker.join(worker, TRAIN).setPartitionAddress(partitionAddress));
        assertEquals(id, joined.take().getWelcome().getWorkerId());
        return joined;
    }

    private Future<Double> compute(long step, int[] batch, ShardPlan plan) {
        return trainerThread.compute(server, reduction, step, batch, plan, batch.length, 0.25);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        trainerThread.close();
    }

    @Test
    void theLeaderPlacesThePartitionsOnTheWorkersThatOfferAndSealsAStepFromTheHostsReports() throws Exception {
        start(3, 2);
        FakeWorker a = welcomed("a", "", 0);
        FakeWorker b = welcomed("b", "b:7071", 1);
        FakeWorker c = welcomed("c", "c:7071", 2);
        ShardPlan plan = new ShardPlan(10, 3);
        Future<Double> step = compute(0, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, plan);

        // the hosts: the step's weights (every parameter), then the plan, the step to open, the assignment
        for (FakeWorker host : List.of(b, c)) {
            List<CoordinatorMessage> messages = host.takeStep();
            int weights = Mlp.parameterShapes(SPEC).size();
            for (int i = 0; i < weights; i++) {
                assertTrue(messages.get(i).hasWeights() && messages.get(i).getWeights().getStep() == 0, messages.toString());
            }
            PartitionPlan hostPlan = messages.get(weights).getPartitionPlan();
            assertEquals(List.of("b:7071", "c:7071"), hostPlan.getAddressesList());
            assertEquals(host == b ? 0 : 1, hostPlan.getHosted());
            assertEquals("adam", hostPlan.getOptimizer());
            assertEquals(0.25, messages.get(weights + 1).getPartitionStep().getLearningRate());
            assertEquals(10, messages.get(weights + 1).getPartitionStep().getBatchSize());
            assertTrue(messages.get(weights + 2).hasAssignment(), messages.toString());
        }
        // a worker that offered nothing hosts none and is sent no weights
        List<CoordinatorMessage> plain = a.takeStep();
        assertEquals(2, plain.size(), plain.toString());
        assertEquals(-1, plain.get(0).getPartitionPlan().getHosted());

        double[] losses = {1.5, 2.25, 0.5};
        for (int shard = 0; shard < 3; shard++) {
            for (int partition = 0; partition < 2; partition++) {
                FakeWorker host = partition == 0 ? b : c;
                host.send(WorkerMessage.newBuilder().setPartitionReport(PartitionReport.newBuilder().setPartition(partition).setStep(0)
                        .setShardIn(shard).setLossSum(losses[shard]).setSamples(plan.size(shard))).build());
            }
        }
        assertEquals((1.5 + 2.25 + 0.5) / 10, step.get(10, TimeUnit.SECONDS), "the shards' losses in shard order over the batch");
    }

    @Test
    void aLostHostSendsTheWorkersLeftAwayToJoinAgainAndTheNextStepPlacesAsManyPartitionsAsTheyOffer() throws Exception {
        start(2, 2, true);
        FakeWorker a = welcomed("a", "a:7071", 0);
        FakeWorker b = welcomed("b", "b:7071", 1);
        ShardPlan plan = new ShardPlan(4, 2);
        int[] batch = {0, 1, 2, 3};
        Future<Double> step = compute(0, batch, plan);
        for (FakeWorker host : List.of(a, b)) {
            PartitionPlan first = host.takeStep().stream().filter(CoordinatorMessage::hasPartitionPlan).findFirst().orElseThrow()
                    .getPartitionPlan();
            assertEquals(0, first.getPlacement());
            assertEquals(2, first.getPartitions());
        }
        b.cancel(); // the host of partition 1 is lost mid-step

        ExecutionException lost = assertThrows(ExecutionException.class, () -> step.get(10, TimeUnit.SECONDS));
        StepsLostException e = assertInstanceOf(StepsLostException.class, lost.getCause(), "the trainer goes back to its checkpoint");
        assertTrue(e.getMessage().contains("worker 1 (b"), e.getMessage());
        CoordinatorMessage stop = a.take();
        assertTrue(stop.hasStop() && !stop.getStop().getFinished(), stop.toString());
        assertTrue(stop.getStop().getReason().contains("and it hosted partition 1; the run goes back to its newest checkpoint"),
                stop.getStop().getReason());
        a.awaitCompleted();

        // the worker left joins again, as a new worker; the trainer asks for the checkpoint's step again
        FakeWorker again = welcomed("a", "a:7071", 2);
        Future<Double> retried = compute(0, batch, plan);
        List<CoordinatorMessage> messages = again.takeStep();
        PartitionPlan second = messages.stream().filter(CoordinatorMessage::hasPartitionPlan).findFirst().orElseThrow()
                .getPartitionPlan();
        assertEquals(1, second.getPlacement(), "a new placement");
        assertEquals(1, second.getPartitions(), "as many partitions as workers offer, up to K");
        assertEquals(List.of("a:7071"), second.getAddressesList());
        assertEquals(0, second.getHosted());
        assertTrue(messages.get(messages.size() - 2).hasPartitionStep(), messages.toString());
        assertEquals(List.of("2"), registry.find("chainrule.worker.lateness").meters().stream().map(m -> m.getId().getTag("worker"))
                .toList(), "the series of the workers sent away are gone; the one that joined again has new ones");
        for (int shard = 0; shard < 2; shard++) {
            again.send(WorkerMessage.newBuilder().setPartitionReport(PartitionReport.newBuilder().setPartition(0).setStep(0)
                    .setShardIn(shard).setLossSum(1).setSamples(2)).build());
        }
        assertEquals(0.5, retried.get(10, TimeUnit.SECONDS), "the step seals from the one partition's reports");
    }

    @Test
    void aStepWithoutEnoughWorkersThatOfferAPartitionFailsSayingSo() throws Exception {
        start(2, 2);
        welcomed("a", "a:7071", 0);
        welcomed("b", "", 1);
        Future<Double> step = compute(0, new int[] {0, 1, 2, 3}, new ShardPlan(4, 3));
        ExecutionException failure = assertThrows(ExecutionException.class, () -> step.get(10, TimeUnit.SECONDS));
        DistributedTrainingException e = assertInstanceOf(DistributedTrainingException.class, failure.getCause());
        assertTrue(e.getMessage().contains("the run has 2 partitions but 1 of its 2 workers offered to host one"), e.getMessage());
    }

    @Test
    void aPartitionedRunRefusesGradientsOnTheSessionAndReportsOfAPartitionTheWorkerDoesNotHost() throws Exception {
        start(2, 1);
        FakeWorker gradients = welcomed("g", "", 0);
        gradients.sendGradient(0, 0, 4, 1.0, Map.of("fc1.bias", Tensor.zeros(DType.FLOAT32, 16)), 1024);
        Status refused = gradients.awaitError();
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getCode(), refused.toString());
        assertTrue(refused.getDescription().contains("(expected: none; this run is partitioned, and gradients go to the partitions)"),
                refused.getDescription());

        FakeWorker reporter = welcomed("r", "", 1);
        reporter.send(WorkerMessage.newBuilder().setPartitionReport(PartitionReport.newBuilder().setPartition(0).setStep(0)
                .setShardIn(0).setLossSum(1).setSamples(1)).build());
        Status notHost = reporter.awaitError();
        assertEquals(Status.Code.FAILED_PRECONDITION, notHost.getCode(), notHost.toString());
        assertTrue(notHost.getDescription().contains("a report of partition 0 from worker 1 (r"), notHost.getDescription());
        assertTrue(notHost.getDescription().contains("which hosts none"), notHost.getDescription());
    }

    @Test
    void aRunWithoutPartitionsRefusesPartitionReports() throws Exception {
        start(1, 0);
        FakeWorker worker = welcomed("w", "", 0);
        worker.send(WorkerMessage.newBuilder().setPartitionReport(PartitionReport.newBuilder().setPartition(0).setStep(0)
                .setShardIn(0).setLossSum(1).setSamples(1)).build());
        Status status = worker.awaitError();
        assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode(), status.toString());
        assertTrue(status.getDescription().contains("(expected: none; this run has no partitions)"), status.getDescription());
    }
}
