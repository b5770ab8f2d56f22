package dev.chainrule.bench;

/**
 * One measured configuration.
 *
 * @param metric  what is measured
 * @param size    GEMM n or MLP batch size
 * @param threads intra-op threads
 */
record Config(Metric metric, int size, int threads) {
}
