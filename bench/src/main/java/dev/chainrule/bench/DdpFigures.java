package dev.chainrule.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * PyTorch DDP's figures from one run of {@code compare_ddp.py}: its {@code result key=value ...} line,
 * whose last field, {@code blas=}, runs to the end of the line.
 *
 * @param samplesPerSecond global samples per second in the synced windows
 * @param stepMillis       milliseconds per synced step (the slower rank)
 * @param computeMillis    milliseconds per step without gradient reduction ({@code no_sync}, mean of the ranks)
 * @param syncMillis       step minus compute
 * @param allReduceMillis  one plain all_reduce of the model's size, for reference
 * @param gradientBytes    bytes of one rank's gradient
 * @param blas             the BLAS PyTorch runs on
 */
record DdpFigures(double samplesPerSecond, double stepMillis, double computeMillis, double syncMillis, double allReduceMillis,
        long gradientBytes, String blas) {

    /** Parses a {@code result ...} line. */
    static DdpFigures parse(String line) {
        if (!line.startsWith("result ")) {
            throw new IllegalArgumentException("PyTorch DDP answered '" + line + "' (expected: 'result key=value ...')");
        }
        int blasAt = line.indexOf(" blas=");
        String blas = blasAt < 0 ? "unknown" : line.substring(blasAt + " blas=".length());
        Map<String, String> fields = fields(line);
        return new DdpFigures(number(fields, "samples_per_second"), number(fields, "step_ms"), number(fields, "compute_ms"),
                number(fields, "sync_ms"), number(fields, "allreduce_ms"), (long) number(fields, "gradient_bytes"), blas);
    }

    /** The {@code key=value} fields of a {@code result ...} line before its {@code blas=}. */
    static Map<String, String> fields(String line) {
        int blasAt = line.indexOf(" blas=");
        Map<String, String> fields = new HashMap<>();
        for (String field : line.substring("result ".length(), blasAt < 0 ? line.length() : blasAt).trim().split("\\s+")) {
            int eq = field.indexOf('=');
            if (eq > 0) {
                fields.put(field.substring(0, eq), field.substring(eq + 1));
            }
        }
        return fields;
    }

    /** The text of field {@code key}; fails naming the fields there are when it is missing. */
    static String field(Map<String, String> fields, String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new IllegalArgumentException("PyTorch DDP's result line has no " + key + "= (has: " + fields.keySet() + ")");
        }
        return value;
    }

    /** Field {@code key} as a number; Python's {@code nan} (a figure not measured) is NaN. */
    private static double number(Map<String, String> fields, String key) {
        String value = field(fields, key);
        return value.equalsIgnoreCase("nan") ? Double.NaN : Double.parseDouble(value);
    }
}
