package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.proto.v1.Encoding;
import dev.chainrule.proto.v1.TrainingConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The compression's text and proto forms, and the sizes it gives. */
class GradientCompressionTest {

    @ParameterizedTest
    @ValueSource(strings = {"none", "fp16", "bf16", "topk:0.01", "topk:1.0", "topk:0.5", "topk:1.0E-5", "topk:0.07"})
    void toStringGivesBackWhatParseReadAndTheProtoRoundTrips(String text) {
        GradientCompression c = GradientCompression.parse(text);
        assertEquals(text, c.toString());
        assertEquals(c, GradientCompression.parse(c.toString()));
        assertEquals(c, GradientCompression.fromProto(c.toProto()));
    }

    @Test
    void parseReadsEachMode() {
        assertEquals(GradientCompression.none(), GradientCompression.parse("none"));
        assertEquals(GradientCompression.fp16(), GradientCompression.parse("fp16"));
        assertEquals(GradientCompression.bf16(), GradientCompression.parse("bf16"));
        assertEquals(GradientCompression.topK(0.01), GradientCompression.parse("topk:0.01"));
        assertEquals(GradientCompression.topK(1), GradientCompression.parse("topk:1"));
        assertEquals(GradientCompression.topK(0.25), GradientCompression.parse("topk:.25"));
        assertEquals(GradientCompression.topK(1e-3), GradientCompression.parse("topk:1e-3"));
        assertEquals(Encoding.TOP_K, GradientCompression.parse("topk:0.5").encoding());
        assertTrue(GradientCompression.none().isLossless());
        assertFalse(GradientCompression.fp16().isLossless());
        assertFalse(GradientCompression.topK(1).isLossless());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "NONE", "fp32", " fp16", "bf16 ", "topk", "topk:", "topk:0", "topk:0.0", "topk:2", "topk:1.0001",
            "topk:-0.5", "topk:NaN", "topk:Infinity", "topk:0x1p-3", "topk:0.5d", "topk:1/2", "top-k:0.1", "topk:0.1:0.2"})
    void anythingElseIsRefusedNamingWhatIsAccepted(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradientCompression.parse(text));
        assertEquals("compression : '" + text + "' (expected: none, fp16, bf16 or topk:FRACTION with 0 < FRACTION <= 1)", e.getMessage());
    }

    @Test
    void topKRefusesAFractionOutsideZeroToOne() {
        for (double bad : new double[] {0, -0.1, 1.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradientCompression.topK(bad));
            assertEquals("fraction : " + bad + " (expected: 0 < fraction <= 1)", e.getMessage());
        }
    }

    @Test
    void theProtoCarriesTheEncodingAndTheFraction() {
        assertEquals(TrainingConfig.Compression.newBuilder().setEncoding(Encoding.TOP_K).setTopKFraction(0.01).build(),
                GradientCompression.topK(0.01).toProto());
        assertEquals(TrainingConfig.Compression.getDefaultInstance(), GradientCompression.none().toProto());
        assertEquals(GradientCompression.none(), GradientCompression.fromProto(TrainingConfig.Compression.getDefaultInstance()));
        assertEquals(GradientCompression.bf16(), GradientCompression.fromProto(GradientCompression.bf16().toProto()));
    }

    @Test
    void fromProtoRefusesBadValuesNamingTheField() {
        assertProtoRefused(TrainingConfig.Compression.newBuilder().setEncodingValue(9).build(),
                "gradient_compression.encoding : 9 (expected: ENCODING_DENSE, FLOAT16, BFLOAT16 or TOP_K)");
        for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
            assertProtoRefused(TrainingConfig.Compression.newBuilder().setEncoding(Encoding.TOP_K).setTopKFraction(bad).build(),
                    "gradient_compression.top_k_fraction : " + bad + " (expected: 0 < top_k_fraction <= 1 with encoding TOP_K)");
        }
        assertProtoRefused(TrainingConfig.Compression.newBuilder().setEncoding(Encoding.FLOAT16).setTopKFraction(0.5).build(),
                "gradient_compression.top_k_fraction : 0.5 (expected: 0 with encoding FLOAT16)");
        assertProtoRefused(TrainingConfig.Compression.newBuilder().setTopKFraction(Double.NaN).build(),
                "gradient_compression.top_k_fraction : NaN (expected: 0 with encoding ENCODING_DENSE)");
    }

    private static void assertProtoRefused(TrainingConfig.Compression proto, String message) {
        assertEquals(message, assertThrows(WireFormatException.class, () -> GradientCompression.fromProto(proto)).getMessage());
    }

    @Test
    void keptElementsAndEncodedBytes() {
        GradientCompression top = GradientCompression.topK(0.01);
        assertEquals(2008, top.keptElements(200_704), "ceil(2007.04)");
        assertEquals(16_064, top.encodedBytes(200_704));
        assertEquals(1, top.keptElements(1));
        assertEquals(1, top.keptElements(99), "at least one");
        assertEquals(1, top.keptElements(100));
        assertEquals(2, top.keptElements(101));
        assertEquals(0, top.keptElements(0));
        assertEquals(0, top.encodedBytes(0));
        assertEquals(7, GradientCompression.topK(0.07).keptElements(100), "the decimal fraction, not 0.07's binary value times 100");
        assertEquals(1, GradientCompression.topK(1e-9).keptElements(10));
        assertEquals(13, GradientCompression.topK(1).keptElements(13));
        for (GradientCompression c : List.of(GradientCompression.none(), GradientCompression.fp16(), GradientCompression.bf16())) {
            assertEquals(13, c.keptElements(13));
        }
        assertEquals(52, GradientCompression.none().encodedBytes(13));
        assertEquals(26, GradientCompression.fp16().encodedBytes(13));
        assertEquals(26, GradientCompression.bf16().encodedBytes(13));
    }
}
