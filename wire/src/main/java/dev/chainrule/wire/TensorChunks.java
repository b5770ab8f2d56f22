package dev.chainrule.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cuts tensors into {@link TensorChunk}s of at most a given number of element bytes, little-endian,
 * in row-major order. The element bytes are encoded once; the chunks share that buffer.
 */
public final class TensorChunks {
    /** Default chunk size: 1 MiB, well below gRPC's 4 MB message limit. */
    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;

    private TensorChunks() {
    }

    /** The chunks of every tensor, tensor after tensor, in the map's order. */
    public static List<TensorChunk> of(Map<String, Tensor> tensors, int chunkBytes) {
        List<TensorChunk> chunks = new ArrayList<>();
        tensors.forEach((name, tensor) -> chunks.addAll(of(name, tensor, chunkBytes)));
        return chunks;
    }

    /** The chunks of one tensor; an empty tensor is one chunk with no data. */
    public static List<TensorChunk> of(String name, Tensor tensor, int chunkBytes) {
        if (chunkBytes < 8) {
            throw new IllegalArgumentException("chunkBytes : " + chunkBytes + " (expected: >= 8)");
        }
        ByteString bytes = UnsafeByteOperations.unsafeWrap(littleEndian(tensor));
        int step = chunkBytes - chunkBytes % tensor.dtype().bytes();
        TensorChunk.Builder header = TensorChunk.newBuilder().setName(name).setDtype(WireDTypes.toWire(tensor.dtype()));
        for (int d : tensor.shape().dims()) {
            header.addShape(d);
        }
        List<TensorChunk> chunks = new ArrayList<>();
        int offset = 0;
        do {
            int end = Math.min(bytes.size(), offset + step);
            chunks.add(header.clone().setOffset(offset).setData(bytes.substring(offset, end)).build());
            offset = end;
        } while (offset < bytes.size());
        return chunks;
    }

    /** The tensor's elements as little-endian bytes. */
    static byte[] littleEndian(Tensor tensor) {
        byte[] bytes = new byte[tensor.size() * tensor.dtype().bytes()];
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (tensor.dtype() == DType.FLOAT32) {
            buffer.asFloatBuffer().put(((Storage.Float32) tensor.storage()).buffer().duplicate());
        } else {
            buffer.asDoubleBuffer().put(((Storage.Float64) tensor.storage()).array());
        }
        return bytes;
    }
}
