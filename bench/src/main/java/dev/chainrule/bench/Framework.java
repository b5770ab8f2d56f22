package dev.chainrule.bench;

/** The two frameworks that {@link CompareBenchmark} measures side by side. */
enum Framework {
    CHAINRULE, PYTORCH
}
