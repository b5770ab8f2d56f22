package dev.chainrule.wire;

import dev.chainrule.autodiff.DType;
import dev.chainrule.autodiff.Shape;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.proto.v1.TensorChunk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Not a test: prints the cost per element of encoding a 200,704-element gradient (784 × 256, the
 * first layer of the README's model) and decoding it into a destination, for every compression,
 * with 1 MiB chunks, next to the plain copy of its elements that chunking did before it viewed them.
 */
final class CodecCost {
    private static final int N = 784 * 256;

    private CodecCost() {
    }

    public static void main(String[] args) {
        System.out.println("the tests' gradient (mixed magnitudes: 1e-6, 1, 1e5, ties)");
        table(GradientEncoderTest.gradient(1, N));
        System.out.println("30% zeros (dead input pixels), the rest gaussian with sigma 1e-3");
        SplittableRandom random = new SplittableRandom(2);
        float[] typical = new float[N];
        for (int i = 0; i < N; i++) {
            typical[i] = random.nextInt(10) < 3 ? 0 : (float) (random.nextGaussian() * 1e-3);
        }
        table(typical);
    }

    private static void table(float[] floats) {
        Tensor g = Tensor.of(floats, 784, 256);
        byte[] copy = new byte[N * 4];
        System.out.printf("%-12s %10s %10s %10s %12s%n", "mode", "encode", "decode", "total", "bytes sent");
        row("dense copy", () -> {
            ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(floats);
            return List.of();
        }, null, N * 4);
        for (String mode : new String[] {"none", "fp16", "bf16", "topk:0.01", "topk:0.1"}) {
            GradientCompression c = GradientCompression.parse(mode);
            GradientEncoder encoder = new GradientEncoder(c, TensorChunks.DEFAULT_CHUNK_BYTES);
            Tensor destination = Tensor.zeros(DType.FLOAT32, 784, 256);
            row(mode, () -> encoder.encode("g", g), chunks -> {
                TensorAssembler a = new TensorAssembler(Map.of("g", Shape.of(784, 256))).acceptEncoding(c.encoding()).requireFinite()
                        .into(Map.of("g", destination));
                chunks.forEach(a::accept);
                a.complete();
            }, c.encodedBytes(N));
        }
    }

    private static void row(String name, Supplier<List<TensorChunk>> encode, java.util.function.Consumer<List<TensorChunk>> decode, int bytes) {
        double[] encodeNs = new double[300];
        double[] decodeNs = new double[300];
        for (int round = 0; round < 2; round++) { // the first round warms up
            for (int i = 0; i < encodeNs.length; i++) {
                long t0 = System.nanoTime();
                List<TensorChunk> chunks = encode.get();
                long t1 = System.nanoTime();
                if (decode != null) {
                    decode.accept(chunks);
                }
                long t2 = System.nanoTime();
                encodeNs[i] = (t1 - t0) / (double) N;
                decodeNs[i] = (t2 - t1) / (double) N;
            }
        }
        double e = median(encodeNs);
        double d = median(decodeNs);
        System.out.printf("%-12s %10.3f %10.3f %10.3f %12d%n", name, e, d, e + d, bytes);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
