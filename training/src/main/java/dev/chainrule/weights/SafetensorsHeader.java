package dev.chainrule.weights;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parsed JSON header of a safetensors file: the tensors by name, in header order, and the
 * optional {@code "__metadata__"} strings (empty when absent).
 */
public record SafetensorsHeader(Map<String, TensorEntry> tensors, Map<String, String> metadata) {
    /** The reserved header key of the metadata object; no tensor may be called this. */
    public static final String METADATA_KEY = "__metadata__";

    /** Takes unmodifiable, order-preserving copies of both maps; each tensor must be keyed by its own name. */
    public SafetensorsHeader {
        tensors.forEach((name, entry) -> {
            if (!name.equals(entry.name())) {
                throw new IllegalArgumentException("tensor entry " + entry.name() + " is keyed as " + name
                        + " (expected: its own name)");
            }
        });
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
