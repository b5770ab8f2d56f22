package dev.chainrule.bench;

/**
 * One framework under comparison. Each call warms the configuration up for the given seconds, then
 * measures one timed window of at least {@code windowSeconds} (and at least one call); a side keeps
 * its operands and models between calls, so later windows of a configuration need no warm-up.
 * Called from one thread.
 */
interface Side {
    /** Float32 GFLOP/s of a square product C = A·B of size {@code n} over one window. */
    double gemm(int n, int threads, double windowSeconds, double warmupSeconds);

    /** Training steps per second (and, where known, bytes allocated per step) of the MLP over one window. */
    MlpWindow mlp(int batch, int threads, double windowSeconds, double warmupSeconds);
}
