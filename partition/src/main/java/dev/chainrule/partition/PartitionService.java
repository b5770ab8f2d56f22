package dev.chainrule.partition;

import dev.chainrule.proto.v1.PartitionDownload;
import dev.chainrule.proto.v1.PartitionGrpc;
import dev.chainrule.wire.RawBytesMarshaller;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gRPC {@code Partition} service of one {@link PartitionHost}: each call is one worker's
 * {@link ExchangeStream}. A worker process serves it before it knows whether it will host a partition
 * (its address goes into its Join); until a host is {@link #install installed}, an attachment is
 * answered UNAVAILABLE ({@link #NOT_HOSTED_YET}), which a {@link PartitionLink} retries. Requests
 * are taken as bytes and parsed by the exchange, so that bytes that are not a PartitionUpload, or too
 * many of them, are answered as the contract says rather than by gRPC's own parsing.
 */
public final class PartitionService implements BindableService {
    /**
     * The description of the UNAVAILABLE answer to an attachment before a host is installed, or while
     * the host installed belongs to an earlier placement than the attachment's.
     */
    public static final String NOT_HOSTED_YET = "no partition is hosted here yet";

    /** {@code Partition/Exchange} as a partition serves it: requests as bytes, answers as messages. */
    private static final MethodDescriptor<byte[], PartitionDownload> EXCHANGE = PartitionGrpc.getExchangeMethod()
            .toBuilder(new RawBytesMarshaller(), ProtoUtils.marshaller(PartitionDownload.getDefaultInstance())).build();

    private final AtomicReference<PartitionHost> host = new AtomicReference<>();

    /** A service with no host yet. */
    public PartitionService() {
    }

    /** The service of {@code host}. */
    public PartitionService(PartitionHost host) {
        install(host);
    }

    /** From now on, attachments reach {@code host}, which replaces the host of an earlier placement, if any. */
    public void install(PartitionHost host) {
        this.host.set(Objects.requireNonNull(host, "host"));
    }

    /** From now on, attachments reach no host, unless another than {@code host} was installed since. */
    public void uninstall(PartitionHost host) {
        this.host.compareAndSet(host, null);
    }

    @Override
    public ServerServiceDefinition bindService() {
        return ServerServiceDefinition.builder(PartitionGrpc.SERVICE_NAME)
                .addMethod(EXCHANGE, ServerCalls.asyncBidiStreamingCall(
                        responses -> new ExchangeStream(host::get, (ServerCallStreamObserver<PartitionDownload>) responses)))
                .build();
    }
}
