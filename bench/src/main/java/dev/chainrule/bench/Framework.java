package dev.chainrule.bench;

/** The sides that {@link CompareBenchmark} measures side by side: Chainrule (portable kernel), PyTorch, Chainrule with its native kernel. */
enum Framework {
    CHAINRULE, PYTORCH, CHAINRULE_NATIVE_KERNEL
}
