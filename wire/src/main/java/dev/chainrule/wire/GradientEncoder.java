package dev.chainrule.wire;

import com.google.protobuf.UnsafeByteOperations;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.Encoding;
import dev.chainrule.proto.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A worker's gradient sender side: turns each parameter's float32 gradient into the chunks of the
 * run's {@link GradientCompression}, written by its encoding's {@link ElementCodec}, with error feedback
 * for the lossy ones (what a step does not send is added to the parameter's next gradient, see
 * {@link ErrorFeedback}).
 *
 * <p>{@code none} is {@link TensorChunks#of TensorChunks.of}: the chunks view the gradient's memory
 * and are valid while it does not change. The lossy encodings write into a buffer this encoder keeps
 * per parameter name and reuses, so that a steady state allocates nothing big: their chunks are valid
 * until this encoder's next {@link #encode} of the same name. The gradient itself is never changed.
 *
 * <p>Lifecycle: one encoder per worker for the whole run; {@link #encode} every parameter's gradient
 * of every shard, in the order they are sent (error feedback carries over from one call for a name
 * to the next). Not thread-safe.
 */
public final class GradientEncoder {
    private final GradientCompression compression;
    private final int chunkBytes;
    private final ErrorFeedback feedback = new ErrorFeedback();
    private final ElementCodec codec;
    private final Map<String, byte[]> encoded = new HashMap<>();

    /**
     * An encoder for {@code compression} cutting chunks of at most {@code chunkBytes} bytes.
     *
     * @throws IllegalArgumentException when chunkBytes is below 8
     */
    public GradientEncoder(GradientCompression compression, int chunkBytes) {
        if (chunkBytes < TensorChunks.MIN_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunkBytes : " + chunkBytes + " (expected: >= " + TensorChunks.MIN_CHUNK_BYTES + ")");
        }
        this.compression = compression;
        this.chunkBytes = chunkBytes;
        this.codec = ElementCodec.of(compression.encoding());
    }

    /** The compression this encoder applies. */
    public GradientCompression compression() {
        return compression;
    }

    /**
     * The chunks of parameter {@code name}'s gradient, named {@code name}, FLOAT32, in the
     * compression's encoding (see the class comment for how long they are valid).
     *
     * @throws IllegalArgumentException when the gradient is not float32, or has another size than
     *     the earlier gradients of that name
     */
    public List<TensorChunk> encode(String name, Tensor gradient) {
        if (gradient.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("gradient '" + name + "' : " + gradient.dtype().name().toLowerCase() + " (expected: float32)");
        }
        if (compression.isLossless()) {
            return TensorChunks.of(name, gradient, chunkBytes);
        }
        FloatBuffer values = ((Storage.Float32) gradient.storage()).buffer();
        int n = values.capacity();
        float[] sending = feedback.compensate(name, values);
        int length = compression.encodedBytes(n);
        byte[] bytes = encoded.get(name);
        if (bytes == null || bytes.length != length) {
            bytes = new byte[length];
            encoded.put(name, bytes);
        }
        codec.encode(sending, n, ByteBuffer.wrap(bytes));
        TensorChunk.Builder header = TensorChunks.header(name, gradient.shape(), DType.FLOAT32)
                .setEncoding(compression.encoding()).setEncodedBytes(length);
        return TensorChunks.cut(header, UnsafeByteOperations.unsafeWrap(bytes), chunkBytes, compression.bytesPerElement());
    }

    /** What error feedback holds back for {@code name} (not sent yet): the live array, or null before its first lossy step. */
    float[] residual(String name) {
        return feedback.residual(name);
    }
}
