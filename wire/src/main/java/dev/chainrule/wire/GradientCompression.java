package dev.chainrule.wire;

import dev.chainrule.autodiff.DType;
import dev.chainrule.proto.v1.Encoding;
import dev.chainrule.proto.v1.TrainingConfig;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How workers encode their gradients for a run: {@code none} (dense float32, lossless), {@code fp16},
 * {@code bf16} (each element in 2 bytes) or {@code topk:FRACTION} (only the given fraction of each
 * tensor's elements, those of largest magnitude, as index-value pairs). An immutable value: its
 * {@link #toString} is the form {@link #parse} reads, and it travels as
 * {@link TrainingConfig.Compression}.
 */
public final class GradientCompression {
    private static final Pattern FRACTION = Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
    private static final GradientCompression NONE = new GradientCompression(Encoding.ENCODING_DENSE, 0);
    private static final GradientCompression FP16 = new GradientCompression(Encoding.FLOAT16, 0);
    private static final GradientCompression BF16 = new GradientCompression(Encoding.BFLOAT16, 0);

    private final Encoding encoding;
    /** For TOP_K, the fraction of elements kept, in (0, 1]; 0 otherwise. */
    private final double fraction;

    private GradientCompression(Encoding encoding, double fraction) {
        this.encoding = encoding;
        this.fraction = fraction;
    }

    /** Dense float32: lossless, the weights are bit for bit those of a run without workers. */
    public static GradientCompression none() {
        return NONE;
    }

    /** IEEE 754 binary16, 2 bytes per element. */
    public static GradientCompression fp16() {
        return FP16;
    }

    /** bfloat16 (float32's upper half, rounded), 2 bytes per element. */
    public static GradientCompression bf16() {
        return BF16;
    }

    /**
     * The {@code fraction} of each tensor's elements of largest magnitude, 8 bytes each.
     *
     * @throws IllegalArgumentException unless 0 < fraction <= 1
     */
    public static GradientCompression topK(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction : " + fraction + " (expected: 0 < fraction <= 1)");
        }
        return new GradientCompression(Encoding.TOP_K, fraction);
    }

    /**
     * Reads {@code none}, {@code fp16}, {@code bf16} or {@code topk:FRACTION} with a decimal
     * 0 < FRACTION <= 1, such as {@code topk:0.01}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static GradientCompression parse(String text) {
        switch (text) {
            case "none":
                return NONE;
            case "fp16":
                return FP16;
            case "bf16":
                return BF16;
            default:
                String number = text.startsWith("topk:") ? text.substring("topk:".length()) : "";
                double fraction = FRACTION.matcher(number).matches() ? Double.parseDouble(number) : Double.NaN;
                if (!(fraction > 0 && fraction <= 1)) {
                    throw new IllegalArgumentException("compression : '" + text + "' (expected: none, fp16, bf16 or topk:FRACTION"
                            + " with 0 < FRACTION <= 1)");
                }
                return new GradientCompression(Encoding.TOP_K, fraction);
        }
    }

    /**
     * The compression a run's configuration names.
     *
     * @throws WireFormatException for an unknown encoding, or a top_k_fraction outside (0, 1] for
     *     TOP_K or other than 0 for another encoding; the message names the field
     */
    public static GradientCompression fromProto(TrainingConfig.Compression proto) {
        Encoding encoding = proto.getEncoding();
        double fraction = proto.getTopKFraction();
        if (encoding == Encoding.UNRECOGNIZED) {
            throw new WireFormatException("gradient_compression.encoding : " + proto.getEncodingValue()
                    + " (expected: ENCODING_DENSE, FLOAT16, BFLOAT16 or TOP_K)");
        }
        if (encoding == Encoding.TOP_K ? !(fraction > 0 && fraction <= 1) : fraction != 0) {
            throw new WireFormatException("gradient_compression.top_k_fraction : " + fraction + " (expected: "
                    + (encoding == Encoding.TOP_K ? "0 < top_k_fraction <= 1" : "0") + " with encoding " + encoding + ")");
        }
        return new GradientCompression(encoding, encoding == Encoding.TOP_K ? fraction : 0);
    }

    /** This compression as a run's configuration carries it. */
    public TrainingConfig.Compression toProto() {
        return TrainingConfig.Compression.newBuilder().setEncoding(encoding).setTopKFraction(fraction).build();
    }

    /** The encoding of the gradients' chunks. */
    public Encoding encoding() {
        return encoding;
    }

    /** Whether the receiver gets the gradients bit for bit: true for {@code none} only. */
    public boolean isLossless() {
        return encoding == Encoding.ENCODING_DENSE;
    }

    /**
     * How many of a tensor's {@code n} elements are sent: for top-k max(1, ⌈fraction × n⌉) (with the
     * fraction as written in decimal, so that topk:0.07 keeps exactly 7 of 100), at most n; n for the others.
     */
    public int keptElements(int n) {
        if (encoding != Encoding.TOP_K || n == 0) {
            return n;
        }
        int k = BigDecimal.valueOf(fraction).multiply(BigDecimal.valueOf(n)).setScale(0, RoundingMode.CEILING).intValueExact();
        return Math.max(1, Math.min(k, n));
    }

    /** The length of the encoded byte stream of a float32 tensor of {@code n} elements (dense: n × 4). */
    public int encodedBytes(int n) {
        return Math.multiplyExact(keptElements(n), bytesPerElement());
    }

    /** Encoded bytes per kept element: 4, 2, 2, or 8 for an index-value pair. */
    int bytesPerElement() {
        return unitBytes(encoding, DType.FLOAT32);
    }

    /** Bytes per element (per index-value pair for TOP_K) of a tensor of {@code dtype} in {@code encoding}. */
    static int unitBytes(Encoding encoding, DType dtype) {
        return switch (encoding) {
            case FLOAT16, BFLOAT16 -> 2;
            case TOP_K -> 8;
            default -> dtype.bytes();
        };
    }

    /** {@code none}, {@code fp16}, {@code bf16} or {@code topk:FRACTION}: what {@link #parse} reads back. */
    @Override
    public String toString() {
        return switch (encoding) {
            case FLOAT16 -> "fp16";
            case BFLOAT16 -> "bf16";
            case TOP_K -> "topk:" + fraction;
            default -> "none";
        };
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GradientCompression c && c.encoding == encoding && Double.compare(c.fraction, fraction) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(encoding, fraction);
    }
}
