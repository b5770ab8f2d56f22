package dev.chainrule.checkpoint;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.data.Excerpt;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.weights.AtomicFiles;
import dev.chainrule.weights.SafetensorsFile;
import dev.chainrule.weights.SafetensorsHeader;
import dev.chainrule.weights.WeightsFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One checkpoint as one file: a safetensors file followed by a trailer that protects it.
 *
 * <pre>
 * content:  a safetensors file (as {@link SafetensorsFile} writes it, canonical and deterministic)
 *             tensors   model.&lt;parameter&gt;           the weights, e.g. model.fc1.weight
 *                       optimizer.&lt;parameter&gt;.&lt;buffer&gt; the optimiser's buffers, e.g. optimizer.fc1.weight.exp_avg
 *             metadata  format = chainrule-checkpoint, chainrule.checkpoint.version = 1,
 *                       chainrule.step, chainrule.epoch, chainrule.batch_in_epoch, chainrule.seed,
 *                       chainrule.optimizer.kind, chainrule.optimizer.step_count,
 *                       config.&lt;field&gt; for every {@link RunConfig#fields() configuration field}
 * trailer:  48 bytes   the 8 ASCII bytes CHAINCKP, the content's length (unsigned 64-bit little-endian),
 *                      the SHA-256 of the content (32 bytes)
 * </pre>
 *
 * <p>Writing goes through {@link AtomicFiles}: a temporary file in the same directory, fsync, rename
 * over the target, fsync of the directory; a crash leaves the previous file or the complete new one.
 * Reading checks the trailer before anything else, so a truncated file (no trailer at the end, or a
 * length that does not match) and a damaged one (any flipped bit: the SHA-256 differs) are reported
 * as such, with a {@link CheckpointException} naming the file; then the safetensors content and the
 * metadata are checked as strictly as weights files are. The whole file is read into memory. Only
 * float32 tensors are stored (the models and optimisers here use nothing else), bit for bit.
 */
public final class CheckpointFile {
    /** The format version this class writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** The value of the {@code format} metadata key. */
    public static final String FORMAT = "chainrule-checkpoint";
    /** Length of the trailer: magic, content length, SHA-256. */
    public static final int TRAILER_BYTES = 48;

    static final String WEIGHTS_PREFIX = "model.";
    static final String OPTIMIZER_PREFIX = "optimizer.";
    static final String CONFIG_PREFIX = "config.";
    static final String VERSION_KEY = "chainrule.checkpoint.version";
    static final String STEP_KEY = "chainrule.step";
    static final String EPOCH_KEY = "chainrule.epoch";
    static final String BATCH_KEY = "chainrule.batch_in_epoch";
    static final String SEED_KEY = "chainrule.seed";
    static final String OPTIMIZER_KIND_KEY = "chainrule.optimizer.kind";
    static final String OPTIMIZER_STEPS_KEY = "chainrule.optimizer.step_count";

    private static final byte[] MAGIC = "CHAINCKP".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGEST_BYTES = 32;

    private CheckpointFile() {
    }

    /** Writes {@code checkpoint} to {@code file} atomically, replacing any file there. */
    public static void write(Path file, Checkpoint checkpoint) throws IOException {
        byte[] content = content(checkpoint);
        byte[] trailer = trailer(content);
        AtomicFiles.write(file, out -> {
            out.write(content);
            out.write(trailer);
        });
    }

    /** The bytes {@link #write} writes: the same checkpoint always gives the same bytes. */
    public static byte[] toBytes(Checkpoint checkpoint) {
        byte[] content = content(checkpoint);
        byte[] trailer = trailer(content);
        byte[] all = Arrays.copyOf(content, content.length + trailer.length);
        System.arraycopy(trailer, 0, all, content.length, trailer.length);
        return all;
    }

    /**
     * The checkpoint in {@code file}.
     *
     * @throws CheckpointException naming the file when it is missing, truncated, damaged, or not a
     *     checkpoint of this format
     */
    public static Checkpoint read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new CheckpointException(file + ": is a directory (expected: a checkpoint file)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": cannot read: no such file");
        } catch (AccessDeniedException e) {
            throw new CheckpointException(file + ": cannot read: permission denied");
        }
        return fromBytes(bytes, file.toString());
    }

    /** The checkpoint in {@code bytes}; errors name {@code source}. */
    public static Checkpoint fromBytes(byte[] bytes, String source) {
        byte[] content = verifiedContent(bytes, source);
        SafetensorsHeader header;
        LinkedHashMap<String, Tensor> tensors;
        try {
            header = SafetensorsFile.headerFromBytes(content, source);
            tensors = SafetensorsFile.fromBytes(content, source);
        } catch (WeightsFileException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
        Map<String, String> metadata = header.metadata();
        String format = metadata.get("format");
        if (!FORMAT.equals(format)) {
            throw new CheckpointException(source + ": metadata format is " + (format == null ? "missing" : "'" + Excerpt.of(format) + "'")
                    + " (expected: " + FORMAT + "): not a chainrule checkpoint");
        }
        long version = number(metadata, VERSION_KEY, source);
        if (version != FORMAT_VERSION) {
            throw new CheckpointException(source + ": checkpoint format version " + version + " (expected: " + FORMAT_VERSION
                    + "): written by another version of chainrule");
        }
        LinkedHashMap<String, Tensor> weights = new LinkedHashMap<>();
        LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(WEIGHTS_PREFIX)) {
                String parameter = name.substring(WEIGHTS_PREFIX.length());
                weights.put(parameter, e.getValue().named(parameter));
            } else if (name.startsWith(OPTIMIZER_PREFIX)) {
                buffers.put(name.substring(OPTIMIZER_PREFIX.length()), e.getValue());
            } else {
                throw new CheckpointException(source + ": tensor '" + Excerpt.of(name) + "' is neither " + WEIGHTS_PREFIX + "<parameter> nor "
                        + OPTIMIZER_PREFIX + "<buffer>");
            }
        }
        LinkedHashMap<String, String> config = new LinkedHashMap<>();
        metadata.forEach((key, value) -> {
            if (key.startsWith(CONFIG_PREFIX)) {
                config.put(key.substring(CONFIG_PREFIX.length()), value);
            }
        });
        String kind = metadata.get(OPTIMIZER_KIND_KEY);
        if (kind == null) {
            throw new CheckpointException(source + ": metadata has no " + OPTIMIZER_KIND_KEY);
        }
        try {
            OptimizerState optimizer = OptimizerState.of(kind, number(metadata, OPTIMIZER_STEPS_KEY, source), buffers);
            return new Checkpoint(number(metadata, STEP_KEY, source), number(metadata, EPOCH_KEY, source),
                    Math.toIntExact(number(metadata, BATCH_KEY, source)), signedNumber(metadata, SEED_KEY, source), config,
                    weights, optimizer);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CheckpointException(source + ": " + e.getMessage(), e);
        }
    }

    /** The content after checking the trailer: its magic, its length and its SHA-256. */
    private static byte[] verifiedContent(byte[] bytes, String source) {
        if (bytes.length < TRAILER_BYTES + 8) {
            throw new CheckpointException(source + ": the file has " + bytes.length + " bytes, too few for a checkpoint (at least "
                    + (TRAILER_BYTES + 8) + "): it is truncated or not a checkpoint");
        }
        int trailerStart = bytes.length - TRAILER_BYTES;
        if (!Arrays.equals(bytes, trailerStart, trailerStart + MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CheckpointException(source + ": no checkpoint trailer in its last " + TRAILER_BYTES
                    + " bytes: the file is truncated or damaged, or is not a chainrule checkpoint");
        }
        ByteBuffer trailer = ByteBuffer.wrap(bytes, trailerStart + MAGIC.length, 8 + DIGEST_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long length = trailer.getLong();
        if (length != trailerStart) {
            throw new CheckpointException(source + ": the trailer records " + Long.toUnsignedString(length) + " content bytes but "
                    + trailerStart + " precede it: the file is truncated or damaged");
        }
        byte[] content = Arrays.copyOf(bytes, trailerStart);
        byte[] expected = new byte[DIGEST_BYTES];
        trailer.get(expected);
        if (!MessageDigest.isEqual(expected, sha256(content))) {
            throw new CheckpointException(source + ": the SHA-256 of its " + trailerStart
                    + " content bytes does not match the one in its trailer: the file is damaged");
        }
        return content;
    }

    private static byte[] content(Checkpoint checkpoint) {
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        checkpoint.weights().forEach((name, t) -> tensors.put(WEIGHTS_PREFIX + name, t));
        checkpoint.optimizer().buffers().forEach((name, t) -> tensors.put(OPTIMIZER_PREFIX + name, t));
        LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put(VERSION_KEY, Integer.toString(FORMAT_VERSION));
        metadata.put(STEP_KEY, Long.toString(checkpoint.step()));
        metadata.put(EPOCH_KEY, Long.toString(checkpoint.epoch()));
        metadata.put(BATCH_KEY, Integer.toString(checkpoint.batchInEpoch()));
        metadata.put(SEED_KEY, Long.toString(checkpoint.seed()));
        metadata.put(OPTIMIZER_KIND_KEY, checkpoint.optimizer().kind());
        metadata.put(OPTIMIZER_STEPS_KEY, Long.toString(checkpoint.optimizer().stepCount()));
        checkpoint.config().forEach((key, value) -> metadata.put(CONFIG_PREFIX + key, value));
        return SafetensorsFile.toBytes(tensors, metadata);
    }

    private static byte[] trailer(byte[] content) {
        return ByteBuffer.allocate(TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .put(MAGIC).putLong(content.length).put(sha256(content)).array();
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static long number(Map<String, String> metadata, String key, String source) {
        long value = signedNumber(metadata, key, source);
        if (value < 0) {
            throw new CheckpointException(source + ": metadata " + key + " is " + value + " (expected: an integer >= 0)");
        }
        return value;
    }

    private static long signedNumber(Map<String, String> metadata, String key, String source) {
        String text = metadata.get(key);
        if (text == null) {
            throw new CheckpointException(source + ": metadata has no " + key);
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new CheckpointException(source + ": metadata " + key + " is '" + Excerpt.of(text) + "' (expected: an integer)");
        }
    }
}
