package dev.chainrule.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.WorkerMessage;
import io.grpc.BindableService;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;

/**
 * The {@code Session} method as both ends call and serve it: the generated descriptor, with
 * marshallers that parse a message with one copy of its bytes instead of two. gRPC's own protobuf
 * marshaller reads a message into an array and then copies every {@code bytes} field out of it
 * again; these read it into an array of its own and parse the {@code bytes} fields (the tensor
 * chunks' element bytes) as views of that array, which nothing else holds or changes. Serialising is
 * gRPC's own. The bytes on the wire are the same, so either end may use the generated stubs.
 *
 * <p>The tensor chunks both ends send view the memory of the tensors they come from (weights that
 * the next update changes, gradients in buffers the next shard reuses): the transport must serialise
 * a message inside {@code onNext}, as grpc-java's Netty transport does (it copies the bytes into its
 * own buffers as the message is written). The in-process transport reads a message later, so a
 * test over it must not change what it sent.
 */
public final class SessionMethod {
    /** The protocol version both ends speak, the one {@code training.proto} describes: sent in Join, checked by the coordinator. */
    public static final int PROTOCOL_VERSION = 3;

    /** {@code Coordinator/Session} with the copy-once marshallers. */
    public static final MethodDescriptor<WorkerMessage, CoordinatorMessage> DESCRIPTOR = CoordinatorGrpc.getSessionMethod()
            .toBuilder(new CopyOnceMarshaller<>(WorkerMessage.getDefaultInstance()),
                    new CopyOnceMarshaller<>(CoordinatorMessage.getDefaultInstance()))
            .build();

    private SessionMethod() {
    }

    /** {@code service}'s definition, with {@code Session} bound to {@link #DESCRIPTOR} and any other method as generated. */
    @SuppressWarnings("unchecked")
    public static ServerServiceDefinition bind(BindableService service) {
        ServerServiceDefinition generated = service.bindService();
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(generated.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
            if (method.getMethodDescriptor().getFullMethodName().equals(DESCRIPTOR.getFullMethodName())) {
                builder.addMethod(DESCRIPTOR, (ServerCallHandler<WorkerMessage, CoordinatorMessage>) method.getServerCallHandler());
            } else {
                builder.addMethod(method);
            }
        }
        return builder.build();
    }

    /** Serialises as gRPC does; parses from one array of the message's bytes, its bytes fields aliasing that array. */
    private static final class CopyOnceMarshaller<T extends Message> implements MethodDescriptor.PrototypeMarshaller<T> {
        private final T prototype;
        private final MethodDescriptor.Marshaller<T> generated;
        private final Parser<T> parser;

        @SuppressWarnings("unchecked")
        CopyOnceMarshaller(T prototype) {
            this.prototype = prototype;
            this.generated = ProtoUtils.marshaller(prototype);
            this.parser = (Parser<T>) prototype.getParserForType();
        }

        @Override
        public T getMessagePrototype() {
            return prototype;
        }

        @Override
        public Class<T> getMessageClass() {
            @SuppressWarnings("unchecked")
            Class<T> type = (Class<T>) prototype.getClass();
            return type;
        }

        @Override
        public InputStream stream(T value) {
            return generated.stream(value);
        }

        @Override
        public T parse(InputStream stream) {
            try {
                byte[] bytes = readFully(stream);
                // the array is this message's alone and never written again: its bytes fields may view it
                CodedInputStream input = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
                input.enableAliasing(true);
                input.setSizeLimit(Integer.MAX_VALUE); // gRPC has already applied the message size limit
                T message = parser.parseFrom(input, ExtensionRegistryLite.getEmptyRegistry());
                input.checkLastTagWas(0);
                return message;
            } catch (InvalidProtocolBufferException e) {
                throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
            } catch (IOException e) {
                throw Status.INTERNAL.withDescription("cannot read a message: " + e.getMessage()).withCause(e).asRuntimeException();
            }
        }

        /** The stream's bytes in one array: sized up front when gRPC knows the message's length, as it does for every message. */
        private static byte[] readFully(InputStream stream) throws IOException {
            if (!(stream instanceof KnownLength)) {
                return stream.readAllBytes();
            }
            int size = stream.available();
            byte[] bytes = new byte[size];
            int read = stream.readNBytes(bytes, 0, size);
            if (read != size || stream.read() != -1) {
                throw new IOException("a message of " + size + " bytes had " + (read != size ? read : "more") + " bytes");
            }
            return bytes;
        }
    }
}
