package dev.chainrule.wire;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Error feedback for lossy gradient encodings: per parameter name, the residual r of what earlier
 * steps computed but did not send. Each step, {@link #compensate} turns r into g + r, the gradient
 * to encode, in r's own array; the encoder then subtracts what it sends, decode(encode(g + r)), so
 * that r holds what was not sent, for the next step. Nothing is lost, only delayed: over any number
 * of steps, the sum of what was sent plus the residual is the sum of the gradients (up to float
 * rounding). Residuals are allocated on a name's first use. Not thread-safe.
 */
final class ErrorFeedback {
    private final Map<String, float[]> residuals = new HashMap<>();

    /**
     * Adds {@code gradient} into the residual of {@code name} (a new zero one on the name's first use)
     * and returns that residual's array, now g + r; the gradient itself is not changed.
     *
     * @throws IllegalArgumentException when the gradient's length differs from the earlier ones of that name
     */
    float[] compensate(String name, FloatBuffer gradient) {
        int n = gradient.capacity();
        float[] r = residuals.computeIfAbsent(name, k -> new float[n]);
        if (r.length != n) {
            throw new IllegalArgumentException("gradient '" + name + "' : " + n + " elements (expected: " + r.length
                    + ", as in its earlier steps)");
        }
        for (int i = 0; i < n; i++) {
            r[i] += gradient.get(i);
        }
        return r;
    }

    /** The residual of {@code name} (what was not sent yet), or null before its first step; the live array. */
    float[] residual(String name) {
        return residuals.get(name);
    }
}
