package dev.chainrule.partition;

import dev.chainrule.proto.v1.PartitionDownload;
import dev.chainrule.proto.v1.PartitionGrpc;
import dev.chainrule.proto.v1.PartitionUpload;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Objects;

/** The gRPC {@code Partition} service of one {@link PartitionHost}: each call is one worker's {@link ExchangeStream}. */
public final class PartitionService extends PartitionGrpc.PartitionImplBase {
    private final PartitionHost host;

    /** The service of {@code host}. */
    public PartitionService(PartitionHost host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    @Override
    public StreamObserver<PartitionUpload> exchange(StreamObserver<PartitionDownload> responses) {
        return new ExchangeStream(host, (ServerCallStreamObserver<PartitionDownload>) responses);
    }
}
