package dev.chainrule.checkpoint;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoints of one run in one directory: {@code checkpoint-000000123.ckpt} after step 123
 * (nine digits or more), each a {@link CheckpointFile}.
 *
 * <p>{@link #save} writes the next checkpoint atomically, then keeps it and the one before it (the
 * newest with a smaller step) and deletes the others, including newer ones left by a run that was
 * resumed from an older checkpoint because those were damaged, and temporary files left by a crash
 * during a write. {@link #latest} finds the checkpoint to resume from: the one with the highest step
 * that reads back intact; every newer one that does not is skipped, and the reason is reported; when
 * none is intact it is an error naming every file. A checkpoint whose {@link RunConfig configuration}
 * differs from this run's is refused, naming the fields that differ: a directory belongs to one run.
 *
 * <p>Not thread-safe; one process writes a directory at a time.
 */
public final class CheckpointStore {
    /** How many checkpoints {@link #save} keeps: the newest and the one before it. */
    public static final int KEEP = 2;

    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{9,18})\\.ckpt");
    private static final Pattern TEMP = Pattern.compile("\\.checkpoint-\\d{9,18}\\.ckpt\\.[0-9a-z]+\\.tmp");

    private final Path directory;
    private final RunConfig config;

    /** The checkpoints of the run {@code config} in {@code directory}, which need not exist yet. */
    public CheckpointStore(Path directory, RunConfig config) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * What {@link #latest} found.
     *
     * @param file the checkpoint to resume from
     * @param checkpoint its content
     * @param skipped why each newer file was not used, one message per file naming it
     */
    public record Found(Path file, Checkpoint checkpoint, List<String> skipped) {
        /** Takes an unmodifiable copy of {@code skipped}. */
        public Found {
            skipped = List.copyOf(skipped);
        }
    }

    /** The directory. */
    public Path directory() {
        return directory;
    }

    /** The run whose checkpoints these are. */
    public RunConfig config() {
        return config;
    }

    /** The file name of the checkpoint after {@code step} steps: {@code checkpoint-000000123.ckpt}. */
    public static String fileName(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step : " + step + " (expected: >= 0)");
        }
        return String.format(Locale.ROOT, "checkpoint-%09d.ckpt", step);
    }

    /** The step of a checkpoint file name, or -1 if {@code file} is not named like one. */
    public static long stepOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Writes the checkpoint after {@code step} steps with this run's seed and configuration (creating
     * the directory if needed), then deletes all but it and the previous one; returns its file.
     *
     * @param weights the model's parameters by name (not copied: written before this returns)
     */
    public Path save(long step, long epoch, int batchInEpoch, Map<String, Tensor> weights, OptimizerState optimizer)
            throws IOException {
        Checkpoint checkpoint = new Checkpoint(step, epoch, batchInEpoch, config.seed(), config.fields(), weights, optimizer);
        Files.createDirectories(directory);
        Path file = directory.resolve(fileName(step));
        CheckpointFile.write(file, checkpoint);
        prune(step);
        return file;
    }

    /** The checkpoint files in the directory, newest (highest step) first; none if it does not exist. */
    public List<Path> files() throws IOException {
        if (!Files.exists(directory)) {
            return List.of();
        }
        if (!Files.isDirectory(directory)) {
            throw new CheckpointException(directory + ": not a directory (expected: a directory for checkpoints)");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (stepOf(entry) >= 0 && Files.isRegularFile(entry)) {
                    files.add(entry);
                }
            }
        }
        files.sort(Comparator.comparingLong(CheckpointStore::stepOf).reversed());
        return files;
    }

    /**
     * The newest intact checkpoint, or empty when the directory holds none at all.
     *
     * @throws CheckpointException when there are checkpoint files but none is intact (naming each
     *     file and its problem), or when the newest intact one belongs to a run with another
     *     configuration (naming each field that differs)
     */
    public Optional<Found> latest() throws IOException {
        List<Path> files = files();
        List<String> skipped = new ArrayList<>();
        for (Path file : files) {
            Checkpoint checkpoint;
            try {
                checkpoint = CheckpointFile.read(file);
            } catch (CheckpointException e) {
                skipped.add(e.getMessage());
                continue;
            }
            if (checkpoint.step() != stepOf(file)) {
                skipped.add(file + ": holds the checkpoint after step " + checkpoint.step() + " (expected: " + stepOf(file)
                        + ", as its name says)");
                continue;
            }
            List<String> differences = config.differences(checkpoint.config());
            if (!differences.isEmpty()) {
                throw new CheckpointException(file + " was written by a run with another configuration, which this run cannot"
                        + " resume: " + String.join("; ", differences));
            }
            return Optional.of(new Found(file, checkpoint, skipped));
        }
        if (!files.isEmpty()) {
            StringBuilder message = new StringBuilder(directory + ": no valid checkpoint among " + files.size() + " file"
                    + (files.size() == 1 ? "" : "s") + ":");
            skipped.forEach(s -> message.append("\n  - ").append(s));
            throw new CheckpointException(message.toString());
        }
        return Optional.empty();
    }

    /** Keeps the checkpoint of {@code step} and the newest one before it; deletes other checkpoints and stale temporary files. */
    private void prune(long step) throws IOException {
        int kept = 0;
        for (Path file : files()) {
            long s = stepOf(file);
            if (s <= step && kept < KEEP) {
                kept++;
            } else {
                Files.deleteIfExists(file);
            }
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (TEMP.matcher(entry.getFileName().toString()).matches()) {
                    Files.deleteIfExists(entry);
                }
            }
        }
    }
}
