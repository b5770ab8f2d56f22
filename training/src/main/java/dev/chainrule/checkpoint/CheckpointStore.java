package dev.chainrule.checkpoint;

import dev.chainrule.autodiff.Tensor;
import dev.chainrule.optim.OptimizerState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoints of one run in one directory: {@code checkpoint-000000123.ckpt} after step 123
 * (nine digits or more), each a {@link CheckpointFile}.
 *
 * <p>{@link #save} writes the next checkpoint atomically, then keeps it and the newest older one
 * that reads back intact, and deletes the others, including newer ones and temporary files left by a
 * crash during a write. {@link #latest} finds the checkpoint to resume from: the one with the highest
 * step that reads back intact and can continue the run; every newer one is skipped, and the reason
 * is reported. A checkpoint file that cannot be used (damaged, truncated, not a checkpoint, or whose
 * checksum holds but whose content cannot continue the run) is never counted as kept: it is moved
 * aside to {@code <name>.damaged} ({@link #DAMAGED_SUFFIX}), which no later run reads, and the move is
 * reported. When no checkpoint is usable it is an error naming every file. A checkpoint whose
 * {@link RunConfig configuration} differs from this run's is refused, naming the fields that differ:
 * a directory belongs to one run.
 *
 * <p>Not thread-safe; one process writes a directory at a time.
 */
public final class CheckpointStore {
    /** How many checkpoints {@link #save} keeps: the newest and the one before it. */
    public static final int KEEP = 2;
    /** Appended to the name of a checkpoint file that cannot be used when it is moved aside. */
    public static final String DAMAGED_SUFFIX = ".damaged";

    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{9,18})\\.ckpt");
    private static final Pattern TEMP = Pattern.compile("\\.checkpoint-\\d{9,18}\\.ckpt\\.[0-9a-z]+\\.tmp");

    private final Path directory;
    private final RunConfig config;
    private final Consumer<String> notices;

    /** The checkpoints of the run {@code config} in {@code directory}, which need not exist yet; moves go unreported. */
    public CheckpointStore(Path directory, RunConfig config) {
        this(directory, config, notice -> { });
    }

    /**
     * As above; {@code notices} hears of every checkpoint that {@link #save} finds unusable and moves
     * aside, in a sentence naming both files.
     */
    public CheckpointStore(Path directory, RunConfig config, Consumer<String> notices) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.config = Objects.requireNonNull(config, "config");
        this.notices = Objects.requireNonNull(notices, "notices");
    }

    /**
     * What {@link #latest} found.
     *
     * @param file the checkpoint to resume from
     * @param checkpoint its content
     * @param skipped why each newer file was not used and where it was moved, one message per file naming it
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

    /** {@link #latest(Consumer)} for a run that accepts every intact checkpoint of its configuration. */
    public Optional<Found> latest() throws IOException {
        return latest(checkpoint -> { });
    }

    /**
     * The newest intact checkpoint that {@code resumable} accepts, or empty when the directory holds
     * no checkpoint at all. Each newer file is skipped and moved aside ({@link #DAMAGED_SUFFIX}).
     *
     * @param resumable throws {@link IllegalArgumentException}, saying why, for a checkpoint that
     *     cannot continue the run (e.g. the state of another optimiser)
     * @throws CheckpointException when there are checkpoint files but none is usable (naming each
     *     file and its problem; nothing is moved), or when the newest intact one belongs to a run with
     *     another configuration (naming each field that differs)
     */
    public Optional<Found> latest(Consumer<Checkpoint> resumable) throws IOException {
        List<Path> files = files();
        List<Path> unusable = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path file : files) {
            Checkpoint checkpoint;
            try {
                checkpoint = verified(file);
            } catch (CheckpointException e) {
                unusable.add(file);
                skipped.add(e.getMessage());
                continue;
            }
            List<String> differences = config.differences(checkpoint.config());
            if (!differences.isEmpty()) {
                throw new CheckpointException(file + " was written by a run with another configuration, which this run cannot"
                        + " resume: " + String.join("; ", differences));
            }
            try {
                resumable.accept(checkpoint);
            } catch (IllegalArgumentException e) {
                unusable.add(file);
                skipped.add(file + ": intact, but cannot continue this run: " + e.getMessage());
                continue;
            }
            for (int i = 0; i < unusable.size(); i++) {
                skipped.set(i, skipped.get(i) + "; " + moveAside(unusable.get(i)));
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

    /** The checkpoint in {@code file}, read back intact and holding the step its name says. */
    private static Checkpoint verified(Path file) throws IOException {
        Checkpoint checkpoint = CheckpointFile.read(file);
        if (checkpoint.step() != stepOf(file)) {
            throw new CheckpointException(file + ": holds the checkpoint after step " + checkpoint.step() + " (expected: "
                    + stepOf(file) + ", as its name says)");
        }
        return checkpoint;
    }

    /** Renames {@code file} to {@code <file>.damaged} (replacing an older one); says what was done, for the log. */
    private static String moveAside(Path file) {
        Path aside = file.resolveSibling(file.getFileName() + DAMAGED_SUFFIX);
        try {
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            return "moved aside to " + aside;
        } catch (IOException e) {
            return "could not move it aside to " + aside + " (" + e.getClass().getSimpleName() + "); it will be deleted";
        }
    }

    /**
     * Keeps the checkpoint of {@code step} and the newest older one that reads back intact; moves
     * aside the older ones that do not (reporting each), deletes the rest and stale temporary files.
     */
    private void prune(long step) throws IOException {
        int kept = 0;
        for (Path file : files()) {
            long s = stepOf(file);
            if (s == step) {
                kept++;
            } else if (s < step && kept < KEEP) {
                try {
                    verified(file);
                    kept++;
                } catch (CheckpointException e) {
                    notices.accept("checkpoint " + e.getMessage() + "; " + moveAside(file));
                    Files.deleteIfExists(file);
                }
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
