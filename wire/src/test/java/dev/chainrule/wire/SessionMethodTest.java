package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.CoordinatorGrpc;
import dev.chainrule.proto.v1.GradientChunk;
import dev.chainrule.proto.v1.WorkerMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The copy-once marshallers read what gRPC's own write, and the coordinator's never throws. */
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
    void theServersMarshallerReadsAMessageAsParsed() throws IOException {
        byte[] bytes = SessionMethod.DESCRIPTOR.streamRequest(GRADIENT).readAllBytes();
        ReceivedMessage received = SessionMethod.serverDescriptor(bytes.length).parseRequest(new KnownLengthStream(bytes));
        assertEquals(new ReceivedMessage.Parsed(GRADIENT, bytes.length), received);
    }

    @Test
    void theServersMarshallerTurnsBytesThatAreNotAWorkerMessageIntoUnparseable() {
        byte[] ff = new byte[16];
        java.util.Arrays.fill(ff, (byte) 0xff);
        ReceivedMessage garbage = SessionMethod.serverDescriptor(1 << 20).parseRequest(new KnownLengthStream(ff));
        assertEquals(new ReceivedMessage.Unparseable("CodedInputStream encountered a malformed varint.", 16), garbage);
        // a Join (field 1) whose length says 127 bytes, of which 1 follows
        ReceivedMessage truncated = SessionMethod.serverDescriptor(1 << 20).parseRequest(new KnownLengthStream(new byte[] {0x0a, 0x7f, 0x01}));
        assertTrue(truncated instanceof ReceivedMessage.Unparseable u && u.size() == 3 && u.problem().contains("truncated"),
                truncated::toString);
    }

    @Test
    void theServersMarshallerRefusesAMessageOverItsLimitUnreadNamingItsFirstField() {
        byte[] bytes = GRADIENT.toByteArray();
        KnownLengthStream stream = new KnownLengthStream(bytes);
        assertEquals(new ReceivedMessage.TooLarge("gradient", bytes.length),
                SessionMethod.serverDescriptor(bytes.length - 1).parseRequest(stream));
        assertTrue(stream.available() > bytes.length - 100, "read no further than its first field's tag: " + stream.available());
        assertEquals(new ReceivedMessage.TooLarge("WorkerMessage", 3),
                SessionMethod.serverDescriptor(2).parseRequest(new KnownLengthStream(new byte[] {(byte) 0xff, (byte) 0xff, 0x01})));
    }

    @Test
    void aMessageParsedFromLentBuffersEqualsTheCopiedOneAndViewsThemUntilReleased() throws IOException {
        WorkerMessage big = WorkerMessage.newBuilder().setGradient(GRADIENT.getGradient().toBuilder()
                .setTensor(TensorChunks.of("fc1.weight", Tensor.randn(DType.FLOAT32, 2, 64, 100), 1 << 20).get(0))).build();
        byte[] bytes = big.toByteArray();
        ReceivedMessage copied = SessionMethod.serverDescriptor(bytes.length).parseRequest(new KnownLengthStream(bytes));
        LentBuffersStream lent = new LentBuffersStream(bytes, 4096);
        ReceivedMessage viewing = SessionMethod.serverDescriptor(bytes.length).parseRequest(lent);
        assertTrue(lent.detached());
        assertEquals(copied, new ReceivedMessage.Parsed(((ReceivedMessage.Parsed) viewing).message(), viewing.size()));
        assertEquals(big, ((ReceivedMessage.Parsed) viewing).message());
        ByteString data = ((ReceivedMessage.Parsed) viewing).message().getGradient().getTensor().getData();
        assertTrue(data.asReadOnlyByteBufferList().size() > 1 && data.asReadOnlyByteBufferList().stream().allMatch(b -> b.isDirect()),
                "the element bytes view the lent buffers, no copy");
        assertEquals(0, lent.closes());
        viewing.release();
        viewing.release();
        assertEquals(1, lent.closes(), "released once, however often release is called");
        copied.release(); // a copied message holds nothing; release does nothing
    }

    @Test
    void lentBuffersThatDoNotParseAreReportedAsTodayAndGivenBackAtOnce() {
        byte[] ff = new byte[16];
        java.util.Arrays.fill(ff, (byte) 0xff);
        LentBuffersStream garbage = new LentBuffersStream(ff, 5);
        assertEquals(new ReceivedMessage.Unparseable("CodedInputStream encountered a malformed varint.", 16),
                SessionMethod.serverDescriptor(1 << 20).parseRequest(garbage));
        assertEquals(1, garbage.closes());
        LentBuffersStream truncated = new LentBuffersStream(new byte[] {0x0a, 0x7f, 0x01}, 2);
        ReceivedMessage t = SessionMethod.serverDescriptor(1 << 20).parseRequest(truncated);
        assertTrue(t instanceof ReceivedMessage.Unparseable u && u.size() == 3 && u.problem().contains("truncated"), t.toString());
        assertEquals(1, truncated.closes());
    }

    @Test
    void lentBuffersOverTheLimitAreTooLargeAndNotDetached() {
        byte[] bytes = GRADIENT.toByteArray();
        LentBuffersStream lent = new LentBuffersStream(bytes, 64);
        assertEquals(new ReceivedMessage.TooLarge("gradient", bytes.length), SessionMethod.serverDescriptor(bytes.length - 1).parseRequest(lent));
        assertTrue(!lent.detached(), "left to gRPC, which closes its stream");
    }

    /** A stream that knows its length, as gRPC's message streams do. */
    private static final class KnownLengthStream extends ByteArrayInputStream implements io.grpc.KnownLength {
        KnownLengthStream(byte[] bytes) {
            super(bytes);
        }
    }
}
