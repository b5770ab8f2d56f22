package dev.chainrule.nn;

import java.util.Arrays;

/**
 * The layer widths of a multilayer perceptron, written like {@code 784-256-128-10}: the input
 * width, the hidden widths, and the output width (number of classes).
 */
public final class ModelSpec {
    private final int[] widths;

    private ModelSpec(int[] widths) {
        this.widths = widths;
    }

    /** Parses {@code W0-W1-...-Wn} (at least two positive widths). */
    public static ModelSpec parse(String spec) {
        String[] parts = spec.trim().split("-", -1);
        if (parts.length < 2) {
            throw new IllegalArgumentException("model spec '" + spec + "' needs at least an input and an output width, e.g. 784-256-128-10");
        }
        int[] widths = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                widths[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("model spec '" + spec + "': '" + parts[i] + "' is not a width (expected positive integers joined by '-')");
            }
            if (widths[i] <= 0) {
                throw new IllegalArgumentException("model spec '" + spec + "': width " + widths[i] + " (expected: > 0)");
            }
        }
        return new ModelSpec(widths);
    }

    /** A spec from explicit widths. */
    public static ModelSpec of(int... widths) {
        if (widths.length < 2) {
            throw new IllegalArgumentException("model spec " + Arrays.toString(widths) + " needs at least an input and an output width");
        }
        for (int w : widths) {
            if (w <= 0) {
                throw new IllegalArgumentException("model spec " + Arrays.toString(widths) + ": width " + w + " (expected: > 0)");
            }
        }
        return new ModelSpec(widths.clone());
    }

    /** Number of Linear layers. */
    public int layers() {
        return widths.length - 1;
    }

    /** Input width of layer {@code i} (0-based). */
    public int inputWidth(int layer) {
        return widths[layer];
    }

    /** Output width of layer {@code i} (0-based). */
    public int outputWidth(int layer) {
        return widths[layer + 1];
    }

    /** Width of the model's input. */
    public int inputs() {
        return widths[0];
    }

    /** Width of the model's output: the number of classes. */
    public int outputs() {
        return widths[widths.length - 1];
    }

    /** Total number of weights and biases. */
    public long parameterCount() {
        long n = 0;
        for (int i = 0; i < layers(); i++) {
            n += (long) widths[i] * widths[i + 1] + widths[i + 1];
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec m && Arrays.equals(widths, m.widths);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(widths);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int w : widths) {
            s.append(s.length() == 0 ? "" : "-").append(w);
        }
        return s.toString();
    }
}
