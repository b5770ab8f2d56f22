package dev.chainrule.weights;

import dev.chainrule.autodiff.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Reads safetensors content: the constructor checks the 8-byte length prefix, decodes the header
 * ({@link HeaderCodec}) and checks the byte ranges against the data buffer ({@link DataLayout});
 * {@link #tensors()} then decodes the elements to float32. Every error names the source.
 */
final class SafetensorsReader {
    /** Length of the little-endian unsigned 64-bit header length that starts a file. */
    static final int PREFIX_BYTES = 8;
    /**
     * Longer headers are rejected as absurd: a model's header takes kilobytes (the reference
     * implementation allows 100 MB, which would cost several times that in memory to check).
     */
    static final long MAX_HEADER_BYTES = 16L << 20;
    private static final int CHUNK_BYTES = 1 << 16;

    private final ByteSource bytes;
    private final String source;
    private final SafetensorsHeader header;
    private final long dataStart;

    /** Reads and checks everything but the tensor elements. */
    SafetensorsReader(ByteSource bytes, String source) throws IOException {
        this.bytes = bytes;
        this.source = source;
        long size = bytes.size();
        if (size < PREFIX_BYTES) {
            throw new WeightsFileException(source, "the file has " + size
                    + " bytes, too few for the 8-byte header length that starts a safetensors file");
        }
        ByteBuffer prefix = ByteBuffer.allocate(PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.readFully(0, prefix);
        long headerLength = prefix.flip().getLong();
        if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
            throw new WeightsFileException(source, "the header length is " + Long.toUnsignedString(headerLength)
                    + " bytes, more than the limit of " + MAX_HEADER_BYTES + " (is this a safetensors file?)");
        }
        if (headerLength > size - PREFIX_BYTES) {
            throw new WeightsFileException(source, "the header length is " + headerLength + " bytes but only "
                    + (size - PREFIX_BYTES) + " bytes follow the 8-byte length (the file has " + size
                    + " bytes): the file is truncated or is not a safetensors file");
        }
        byte[] headerBytes = new byte[(int) headerLength];
        bytes.readFully(PREFIX_BYTES, ByteBuffer.wrap(headerBytes));
        this.header = HeaderCodec.decode(headerBytes, source);
        this.dataStart = PREFIX_BYTES + headerLength;
        long bufferLength = size - dataStart;
        DataLayout.check(header, bufferLength, source, "the file has " + size + " bytes: the 8-byte length, a "
                + headerLength + "-byte header and a " + bufferLength + "-byte data buffer");
    }

    /** The checked header. */
    SafetensorsHeader header() {
        return header;
    }

    /**
     * Every tensor as a float32 tensor, in header order; fails, listing them, if any tensor has a
     * type that cannot be read as float32.
     */
    LinkedHashMap<String, Tensor> tensors() throws IOException {
        List<String> unreadable = new ArrayList<>();
        for (TensorEntry t : header.tensors().values()) {
            if (!t.dtype().readableAsFloat32()) {
                unreadable.add("tensor " + JsonQuotes.quoteExcerpt(t.name()) + " has dtype " + t.dtype()
                        + ", which cannot be read as float32 (readable: " + SafetensorsDType.readableNames() + ")");
            }
        }
        if (!unreadable.isEmpty()) {
            throw new WeightsFileException(source, unreadable.size() + " tensor(s) of unsupported dtype", unreadable);
        }
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorEntry t : header.tensors().values()) {
            tensors.put(t.name(), Tensor.of(decode(t), t.shape().dims()));
        }
        return tensors;
    }

    private float[] decode(TensorEntry t) throws IOException {
        float[] values = new float[t.shape().size()];
        int elementBytes = t.dtype().bytes();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int done = 0;
        while (done < values.length) {
            int count = Math.min(values.length - done, CHUNK_BYTES / elementBytes);
            chunk.clear().limit(count * elementBytes);
            bytes.readFully(dataStart + t.begin() + (long) done * elementBytes, chunk);
            t.dtype().decode(chunk.flip(), values, done, count);
            done += count;
        }
        return values;
    }
}
