package dev.chainrule.partition;

import dev.chainrule.proto.v1.PartitionDownload;
import dev.chainrule.proto.v1.PartitionGrpc;
import dev.chainrule.proto.v1.PartitionUpload;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gRPC {@code Partition} service of one {@link PartitionHost}: each call is one worker's
 * {@link ExchangeStream}. A worker process serves it before it knows whether it will host a partition
 * (its address goes into its Join); until a host is {@link #install installed}, an attachment is
 * answered UNAVAILABLE ({@link #NOT_HOSTED_YET}), which a {@link PartitionLink} retries.
 */
public final class PartitionService extends PartitionGrpc.PartitionImplBase {
    /** The description of the UNAVAILABLE answer to an attachment before a host is installed. */
    public static final String NOT_HOSTED_YET = "no partition is hosted here yet";

    private final AtomicReference<PartitionHost> host = new AtomicReference<>();

    /** A service with no host yet. */
    public PartitionService() {
    }

    /** The service of {@code host}. */
    public PartitionService(PartitionHost host) {
        install(host);
    }

    /** From now on, attachments reach {@code host}. */
    public void install(PartitionHost host) {
        this.host.set(Objects.requireNonNull(host, "host"));
    }

    @Override
    public StreamObserver<PartitionUpload> exchange(StreamObserver<PartitionDownload> responses) {
        return new ExchangeStream(host::get, (ServerCallStreamObserver<PartitionDownload>) responses);
    }
}
