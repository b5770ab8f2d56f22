package dev.chainrule.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.CoordinatorMessage;
import dev.chainrule.proto.v1.WorkerMessage;
import io.grpc.Detachable;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code Session} method as both ends call and serve it: the generated descriptor, with
 * marshallers that parse a message with one copy of its bytes instead of two: the worker's
 * {@link #DESCRIPTOR}, and the coordinator's {@link #serverDescriptor}, whose request marshaller
 * never throws. gRPC's own protobuf marshaller reads a message into an array and then copies every
 * {@code bytes} field out of it again; these read it into an array of its own and parse the
 * {@code bytes} fields (the tensor chunks' element bytes) as views of that array, which nothing else
 * holds or changes. The coordinator's goes further where gRPC's stream lends its buffers
 * ({@link Detachable}, {@link HasByteBuffer}, as the Netty transport's does): it copies nothing, the
 * {@code bytes} fields view gRPC's receive buffers until the {@link ReceivedMessage} is released.
 * The worker's messages are serialised by gRPC's own marshaller; the coordinator serialises its
 * own (see {@link #serverDescriptor}). The bytes on the wire are the same, so either end may use
 * the generated stubs.
 *
 * <p>The tensor chunks the worker sends view the memory of the tensors they come from (gradients in
 * buffers the next shard reuses): the transport must serialise a message inside {@code onNext}, as
 * grpc-java's Netty transport does (it copies the bytes into its own buffers as the message is
 * written). The in-process transport reads a message later, so a test over it must not change what
 * it sent.
 */
public final class SessionMethod {
    /** The protocol version both ends speak, the one {@code training.proto} describes: sent in Join, checked by the coordinator. */
    public static final int PROTOCOL_VERSION = 3;

    /** {@code Coordinator/Session} with the copy-once marshallers, as the worker calls it. */
    public static final MethodDescriptor<WorkerMessage, CoordinatorMessage> DESCRIPTOR = CoordinatorGrpc.getSessionMethod()
            .toBuilder(new CopyOnceMarshaller<>(WorkerMessage.getDefaultInstance()),
                    new CopyOnceMarshaller<>(CoordinatorMessage.getDefaultInstance()))
            .build();

    private SessionMethod() {
    }

    /**
     * {@code Coordinator/Session} as the coordinator serves it: each request is read as a
     * {@link ReceivedMessage}, never an exception. A request over {@code maxMessageBytes} (by the
     * length gRPC knows before it is read) is {@link ReceivedMessage.TooLarge} without being parsed;
     * bytes that do not parse are {@link ReceivedMessage.Unparseable}. A parsed request may view gRPC's
     * receive buffers: its receiver must {@link ReceivedMessage#release release} it. Responses are
     * CoordinatorMessages the coordinator serialised itself ({@link RawBytesMarshaller}), so that a
     * message every worker is sent (a step's weights) is serialised once, not once per worker.
     */
    public static MethodDescriptor<ReceivedMessage, byte[]> serverDescriptor(int maxMessageBytes) {
        return CoordinatorGrpc.getSessionMethod().toBuilder(new ReceivingMarshaller(maxMessageBytes), new RawBytesMarshaller())
                .build();
    }

    /** Parses {@code bytes}, which are the message's alone and never written again, its bytes fields viewing them. */
    private static <T> T parseAliasing(ByteString bytes, Parser<T> parser) throws InvalidProtocolBufferException {
        CodedInputStream input = bytes.newCodedInput();
        input.enableAliasing(true);
        input.setSizeLimit(Integer.MAX_VALUE); // the message's size has been checked before it was read
        T message = parser.parseFrom(input, ExtensionRegistryLite.getEmptyRegistry());
        input.checkLastTagWas(0);
        return message;
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
                return parseAliasing(UnsafeByteOperations.unsafeWrap(readFully(stream)), parser);
            } catch (InvalidProtocolBufferException e) {
                throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
            } catch (IOException e) {
                throw Status.INTERNAL.withDescription("cannot read a message: " + e.getMessage()).withCause(e).asRuntimeException();
            }
        }
    }

    /** Reads requests as {@link ReceivedMessage}s: the size first, then the message, copied once as {@link CopyOnceMarshaller} does. */
    private static final class ReceivingMarshaller implements MethodDescriptor.Marshaller<ReceivedMessage> {
        private final int maxMessageBytes;

        ReceivingMarshaller(int maxMessageBytes) {
            this.maxMessageBytes = maxMessageBytes;
        }

        @Override
        public InputStream stream(ReceivedMessage value) {
            throw new UnsupportedOperationException("the coordinator reads WorkerMessages and never sends one");
        }

        @Override
        public ReceivedMessage parse(InputStream stream) {
            int size = -1;
            try {
                if (stream instanceof KnownLength) {
                    size = stream.available();
                    if (size > maxMessageBytes) {
                        return new ReceivedMessage.TooLarge(firstField(stream), size);
                    }
                }
                if (stream instanceof KnownLength && stream instanceof Detachable && stream instanceof HasByteBuffer buffers
                        && buffers.byteBufferSupported() && stream.markSupported()) {
                    return DetachedMessage.parse(((Detachable) stream).detach(), size);
                }
                byte[] bytes = readFully(stream);
                size = bytes.length;
                if (size > maxMessageBytes) {
                    return new ReceivedMessage.TooLarge(firstField(new ByteArrayInputStream(bytes)), size);
                }
                return new ReceivedMessage.Parsed(parseAliasing(UnsafeByteOperations.unsafeWrap(bytes), WorkerMessage.parser()), size);
            } catch (IOException e) {
                return new ReceivedMessage.Unparseable(e.getMessage(), size);
            }
        }

        /** The name of the field the message starts with, from its first tag alone; "WorkerMessage" when that names none of its fields. */
        private static String firstField(InputStream stream) {
            try {
                int tag = CodedInputStream.newInstance(stream, 16).readTag();
                Descriptors.FieldDescriptor field = WorkerMessage.getDescriptor().findFieldByNumber(WireFormat.getTagFieldNumber(tag));
                return field == null ? "WorkerMessage" : field.getName();
            } catch (IOException | RuntimeException e) {
                return "WorkerMessage";
            }
        }
    }

    /**
     * A message parsed without a copy: gRPC's receive buffers, detached from the call's stream, become
     * the pieces of one {@link ByteString} that the parser reads with aliasing, so that the tensor
     * chunks' element bytes view the network buffers themselves. The buffers stay the message's
     * until {@link #release}, which gives them back to the transport.
     */
    private static final class DetachedMessage implements ReceivedMessage.Buffers {
        private final InputStream detached;
        private boolean released;

        private DetachedMessage(InputStream detached) {
            this.detached = detached;
        }

        /** The message in {@code detached} ({@code size} bytes), parsed viewing its buffers; an unparseable one releases them at once. */
        static ReceivedMessage parse(InputStream detached, int size) throws IOException {
            DetachedMessage buffers = new DetachedMessage(detached);
            try {
                detached.mark(size); // gRPC gives back each buffer skipped past unless marked: marked, they stay until close
                List<ByteString> pieces = new ArrayList<>();
                while (detached.available() > 0) {
                    ByteBuffer piece = ((HasByteBuffer) detached).getByteBuffer();
                    pieces.add(UnsafeByteOperations.unsafeWrap(piece));
                    detached.skip(piece.remaining());
                }
                ReceivedMessage message = new ReceivedMessage.Parsed(parseAliasing(ByteString.copyFrom(pieces), WorkerMessage.parser()),
                        size, buffers);
                buffers = null;
                return message;
            } finally {
                if (buffers != null) {
                    buffers.release();
                }
            }
        }

        @Override
        public synchronized void release() {
            if (!released) {
                released = true;
                try {
                    detached.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
