package dev.chainrule.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.data.DataSplit;
import dev.chainrule.metrics.CoordinatorMetrics;
import dev.chainrule.metrics.MeterRegistries;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.Mlp;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.train.TrainingConfig;
import dev.chainrule.train.TrainingTestData;
import dev.chainrule.worker.ChannelSecurity;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every refused call counts once in chainrule_rejected_messages_total: a wrong token by its interceptor, a bad message by the session. */
class RefusedCallsTest {
    private static final String SECRET = "s3cret-0123456789abcdef";

    @Test
    void aCallWithoutTheTokenAndAMessageThatIsNotAWorkerMessageCountOnceEach() throws Exception {
        PrometheusMeterRegistry registry = MeterRegistries.prometheus("r");
        DataSplit data = new DataSplit(TrainingTestData.blobs("train", 100, 3, 8, 1.0, 1), TrainingTestData.blobs("test", 30, 3, 8, 1.0, 2));
        try (CoordinatorServer server = new CoordinatorServer(CoordinatorServer.tcp("127.0.0.1", 0, ServerSecurity.plaintext()
                .withToken(SECRET)), Mlp.initialized(ModelSpec.of(8, 16, 3), Activation.RELU, 5), data.train(),
                new TrainingConfig(10, 1, 5, true, 11, 1), CoordinatorSettings.defaults(1).withWorkerWait(Duration.ofSeconds(20)),
                new CoordinatorMetrics(registry)).start()) {
            String target = "127.0.0.1:" + server.port();
            ManagedChannel noToken = ChannelSecurity.plaintext().newChannel(target);
            ManagedChannel withToken = ChannelSecurity.plaintext().withToken(SECRET).newChannel(target);
            try {
                FakeWorker intruder = new FakeWorker(noToken);
                intruder.send(dev.chainrule.proto.v1.WorkerMessage.getDefaultInstance());
                assertEquals(Status.Code.UNAUTHENTICATED, intruder.awaitError().getCode());
                FakeWorker garbage = new FakeWorker(withToken);
                garbage.sendBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
                assertEquals(Status.Code.INVALID_ARGUMENT, garbage.awaitError().getCode());
            } finally {
                noToken.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                withToken.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        String body = registry.scrape();
        assertTrue(body.contains("chainrule_rejected_messages_total{reason=\"unauthenticated\",run=\"r\"} 1.0"), body);
        assertTrue(body.contains("chainrule_rejected_messages_total{reason=\"invalid_argument\",run=\"r\"} 1.0"), body);
    }
}
