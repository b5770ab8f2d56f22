package dev.chainrule.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a data set as loaded, written {@code sha256:} and 64 lowercase hex digits: the
 * sample count and the feature count (int32 each), every feature value's float32 bits in row-major
 * order, then every label (int32), all little-endian. Two copies of a data set have the same
 * fingerprint exactly when every sample, feature and label is the same bits, whatever file format
 * they were read from.
 */
final class DatasetFingerprint {
    /** Bytes hashed per call: large enough that the digest, not the loop, sets the pace. */
    private static final int BLOCK_BYTES = 1 << 16;

    private DatasetFingerprint() {
    }

    static String of(float[] features, int[] labels, int width) {
        MessageDigest sha256 = sha256();
        ByteBuffer block = ByteBuffer.allocate(BLOCK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        block.putInt(labels.length).putInt(width);
        for (float value : features) {
            if (block.remaining() < Float.BYTES) {
                drain(block, sha256);
            }
            block.putFloat(value);
        }
        for (int label : labels) {
            if (block.remaining() < Integer.BYTES) {
                drain(block, sha256);
            }
            block.putInt(label);
        }
        drain(block, sha256);
        return "sha256:" + HexFormat.of().formatHex(sha256.digest());
    }

    private static void drain(ByteBuffer block, MessageDigest digest) {
        block.flip();
        digest.update(block);
        block.clear();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
