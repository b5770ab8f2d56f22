package dev.chainrule.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data set's fingerprint is the SHA-256 of exactly the bytes the proto's Join.data_fingerprint documents. */
class DatasetFingerprintTest {

    @TempDir
    Path dir;

    @Test
    void hashesTheCountsTheFeatureBitsAndTheLabelsLittleEndian() throws Exception {
        float[] features = {0f, 0.5f, -1f, Float.MIN_VALUE, 255f, 1e-3f};
        int[] labels = {2, 0, 7};
        ByteBuffer expected = ByteBuffer.allocate(8 + 4 * features.length + 4 * labels.length).order(ByteOrder.LITTLE_ENDIAN);
        expected.putInt(3).putInt(2);
        for (float f : features) {
            expected.putInt(Float.floatToRawIntBits(f));
        }
        for (int label : labels) {
            expected.putInt(label);
        }
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected.array()));
        assertEquals("sha256:" + sha, Dataset.of("t", features, labels, 2).fingerprint());
    }

    @Test
    void oneChangedPixelOrLabelChangesItAndTheFileFormatDoesNot() throws IOException {
        Path csv = Files.writeString(dir.resolve("d.csv"), "label,a,b\n1,0.25,0.5\n0,0.75,1\n");
        Dataset fromCsv = Dataset.fromCsv(csv);
        Dataset same = Dataset.of("elsewhere", new float[] {0.25f, 0.5f, 0.75f, 1f}, new int[] {1, 0}, 2);
        assertEquals(same.fingerprint(), fromCsv.fingerprint());
        assertNotEquals(same.fingerprint(), Dataset.of("x", new float[] {0.25f, 0.5f, 0.75f, Math.nextDown(1f)}, new int[] {1, 0}, 2)
                .fingerprint());
        assertNotEquals(same.fingerprint(), Dataset.of("x", new float[] {0.25f, 0.5f, 0.75f, 1f}, new int[] {1, 1}, 2).fingerprint());
        assertNotEquals(same.fingerprint(), Dataset.of("x", new float[] {0.25f, 0.5f, 0.75f, 1f}, new int[] {1, 0, 0, 0}, 1)
                .fingerprint());
    }
}
