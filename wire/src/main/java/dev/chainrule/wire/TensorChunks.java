package dev.chainrule.wire;

import com.google.protobuf.ByteString;
import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.TensorChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cuts tensors into dense {@link TensorChunk}s of at most a given number of element bytes,
 * little-endian, in row-major order, never cutting an element in two.
 *
 * <p>float32 chunks VIEW the tensor's memory (no copy of its elements): they are valid only while
 * its elements do not change. Send them before changing or recycling the tensor: over a network
 * transport, gRPC copies a message's bytes into its own buffers inside {@code onNext}, so the tensor
 * may change once that returns. grpc-java's in-process transport hands the message object itself to
 * the other side, which reads it later: there, keep the tensor unchanged until the receiver is done,
 * or send {@code chunk.toBuilder().setData(ByteString.copyFrom(...))} copies. float64 elements are
 * copied once into an array the chunks share.
 */
public final class TensorChunks {
    /** Default chunk size: 1 MiB, well below gRPC's 4 MB message limit. */
    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;
    /** The smallest chunk size accepted: room for a float64 element or a top-k pair. */
    static final int MIN_CHUNK_BYTES = 8;

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
        return cut(header(name, tensor.shape(), tensor.dtype()), littleEndian(tensor), chunkBytes, tensor.dtype().bytes());
    }

    /** A chunk with every field of a tensor's chunks but offset and data. */
    static TensorChunk.Builder header(String name, Shape shape, DType dtype) {
        TensorChunk.Builder header = TensorChunk.newBuilder().setName(name).setDtype(WireDTypes.toWire(dtype));
        for (int d : shape.dims()) {
            header.addShape(d);
        }
        return header;
    }

    /**
     * {@code bytes} as chunks of {@code header} of at most {@code chunkBytes} bytes, each a whole
     * number of {@code unit}-byte elements (views of {@code bytes}, not copies).
     */
    static List<TensorChunk> cut(TensorChunk.Builder header, ByteString bytes, int chunkBytes, int unit) {
        if (chunkBytes < MIN_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunkBytes : " + chunkBytes + " (expected: >= " + MIN_CHUNK_BYTES + ")");
        }
        int step = chunkBytes - chunkBytes % unit;
        List<TensorChunk> chunks = new ArrayList<>();
        int offset = 0;
        do {
            int end = Math.min(bytes.size(), offset + step);
            chunks.add(header.clone().setOffset(offset).setData(bytes.substring(offset, end)).build());
            offset = end;
        } while (offset < bytes.size());
        return chunks;
    }

    /** The tensor's elements as little-endian bytes: a view of a float32 tensor's memory, a copy of a float64 tensor's. */
    static ByteString littleEndian(Tensor tensor) {
        return tensor.dtype() == DType.FLOAT32 ? Float32Codec.view((Storage.Float32) tensor.storage())
                : Float64Codec.encode(((Storage.Float64) tensor.storage()).array());
    }
}
