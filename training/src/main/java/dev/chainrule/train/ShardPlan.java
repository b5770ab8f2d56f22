package dev.chainrule.train;

/**
 * How one global batch of B samples is cut into S contiguous shards whose sizes differ by at most
 * one: the first B mod S shards get ⌈B/S⌉ samples, the others ⌊B/S⌋ (some may be empty when B < S).
 */
public final class ShardPlan {
    private final int batchSize;
    private final int shards;

    /** A plan for {@code batchSize} samples in {@code shards} shards. */
    public ShardPlan(int batchSize, int shards) {
        if (batchSize < 0) {
            throw new IllegalArgumentException("batch size : " + batchSize + " (expected: >= 0)");
        }
        if (shards < 1) {
            throw new IllegalArgumentException("shards : " + shards + " (expected: >= 1)");
        }
        this.batchSize = batchSize;
        this.shards = shards;
    }

    /** Number of shards. */
    public int shards() {
        return shards;
    }

    /** Offset of shard {@code s}'s first sample within the batch. */
    public int start(int shard) {
        return offset(checkIndex(shard));
    }

    /** Number of samples in shard {@code s}. */
    public int size(int shard) {
        return offset(checkIndex(shard) + 1) - offset(shard);
    }

    /** Where shard {@code k} starts, for 0 ≤ k ≤ shards (k = shards gives the batch size). */
    private int offset(int k) {
        int base = batchSize / shards;
        int extra = batchSize % shards;
        return k * base + Math.min(k, extra);
    }

    private int checkIndex(int shard) {
        if (shard < 0 || shard >= shards) {
            throw new IndexOutOfBoundsException("shard : " + shard + " (expected: 0 <= shard < " + shards + ")");
        }
        return shard;
    }
}
