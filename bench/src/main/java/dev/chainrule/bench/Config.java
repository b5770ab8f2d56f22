package dev.chainrule.bench;

/**
 * One measured configuration.
 *
 * @param metric  what is measured
 * @param size    GEMM n or MLP batch size
 * @param threads Chainrule: shards computed at once; PyTorch: its thread pools' size, or {@link #DEFAULT_THREADS}
 */
record Config(Metric metric, int size, int threads) {
    /** PyTorch's default configuration: no thread count set at all (its own pools, as they start). */
    static final int DEFAULT_THREADS = 0;
}
