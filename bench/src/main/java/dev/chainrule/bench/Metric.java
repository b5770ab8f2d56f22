package dev.chainrule.bench;

/** What a timed window measures. */
enum Metric {
    /** Float32 square GEMM, GFLOP/s; the size is n. */
    GEMM_GFLOPS,
    /** MLP training steps per second; the size is the batch. */
    MLP_STEPS,
    /** Bytes allocated per MLP training step by the stepping thread; the size is the batch. */
    MLP_BYTES
}
