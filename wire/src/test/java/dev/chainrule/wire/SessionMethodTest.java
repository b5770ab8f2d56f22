package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.WorkerMessage;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The copy-once marshallers read what gRPC's own write, and the service is served under them. */
class SessionMethodTest {
    private static final WorkerMessage GRADIENT = WorkerMessage.newBuilder().setGradient(GradientChunk.newBuilder()
            .setStep(3).setShardIndex(1).setSampleCount(64).setLossSum(12.5)
            .setTensor(TensorChunks.of("fc1.weight", Tensor.randn(DType.FLOAT32, 1, 16, 8), 1 << 20).get(0))
            .setLast(true)).build();

    @Test
    void aMessageSerialisedByGrpcsMarshallerParsesEqual() throws IOException {
        InputStream serialised = CoordinatorGrpc.getSessionMethod().getRequestMarshaller().stream(GRADIENT);
        WorkerMessage parsed = SessionMethod.DESCRIPTOR.parseRequest(new KnownLengthStream(serialised.readAllBytes()));
        assertEquals(GRADIENT, parsed);
        ByteString data = parsed.getGradient().getTensor().getData();
        assertEquals(GRADIENT.getGradient().getTensor().getData(), data);
    }

    @Test
    void aMessageItSerialisesParsesWithGrpcsMarshaller() throws IOException {
        byte[] bytes = SessionMethod.DESCRIPTOR.streamRequest(GRADIENT).readAllBytes();
        assertEquals(GRADIENT, CoordinatorGrpc.getSessionMethod().parseRequest(new ByteArrayInputStream(bytes)));
    }

    @Test
    void malformedBytesAreAnInternalError() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> SessionMethod.DESCRIPTOR.parseRequest(new KnownLengthStream(new byte[] {0x12, 0x7f, 0x01})));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertEquals("Invalid protobuf byte sequence", e.getStatus().getDescription());
    }

    @Test
    void bindServesSessionUnderTheCopyOnceDescriptor() {
        ServerServiceDefinition bound = SessionMethod.bind(new CoordinatorGrpc.CoordinatorImplBase() { });
        assertSame(SessionMethod.DESCRIPTOR, bound.getMethod(SessionMethod.DESCRIPTOR.getFullMethodName()).getMethodDescriptor());
        assertEquals(1, bound.getMethods().size());
    }

    /** A stream that knows its length, as gRPC's message streams do. */
    private static final class KnownLengthStream extends ByteArrayInputStream implements io.grpc.KnownLength {
        KnownLengthStream(byte[] bytes) {
            super(bytes);
        }
    }
}
