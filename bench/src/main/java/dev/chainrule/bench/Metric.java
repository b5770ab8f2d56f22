package dev.chainrule.bench;

/** What a timed window measures. */
enum Metric {
    /** Float32 square GEMM, GFLOP/s; the size is n. */
    GEMM_GFLOPS,
    /** MLP training steps per second; the size is the batch. */
    MLP_STEPS,
    /** Bytes allocated per MLP training step by all threads of the process; the size is the batch. */
    MLP_BYTES,
    /** Steady-state steps per second of a whole {@code chainrule train} process; the size is the batch. */
    TRAIN_STEPS
}
