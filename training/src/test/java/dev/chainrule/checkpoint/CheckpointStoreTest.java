package dev.chainrule.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.autodiff.Storage;
import dev.chainrule.autodiff.Tensor;
import dev.chainrule.nn.Activation;
import dev.chainrule.nn.ModelSpec;
import dev.chainrule.optim.OptimizerSettings;
import dev.chainrule.optim.OptimizerState;
import dev.chainrule.weights.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CheckpointFile} and {@link CheckpointStore}: exact round trips, atomic writes, pruning, damage detection, refusal. */
class CheckpointStoreTest {
    @TempDir
    Path dir;

    /** Signed zeros, subnormals, extremes, infinities and a NaN with a payload: their bits must survive. */
    private static final float[] EDGE_VALUES = {
        0.0f, -0.0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.intBitsToFloat(0x007f_ffff), Float.MAX_VALUE,
        Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc1_2345), 1.0f / 3, -2.5e-30f, 12345.678f, 1e-40f,
    };

    static RunConfig config() {
        return new RunConfig(ModelSpec.of(4, 3, 2), Activation.TANH, "adam", OptimizerSettings.defaults(), 0.01, "cosine", 8, 3, 0,
                true, 42, 2, 21, 50);
    }

    private static LinkedHashMap<String, Tensor> weights(float offset) {
        LinkedHashMap<String, Tensor> w = new LinkedHashMap<>();
        w.put("fc1.weight", Tensor.of(EDGE_VALUES, 3, 4));
        w.put("fc1.bias", Tensor.of(new float[] {offset, -offset, 0.25f}, 3));
        w.put("fc2.weight", Tensor.of(new float[] {1, 2, 3, 4, 5, offset}, 2, 3));
        w.put("fc2.bias", Tensor.of(new float[] {-0.0f, offset}, 2));
        return w;
    }

    private static OptimizerState adamState(long steps, float offset) {
        LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
        weights(offset).forEach((name, t) -> {
            buffers.put(name + ".exp_avg", t.copy());
            buffers.put(name + ".exp_avg_sq", Tensor.of(new float[t.size()], t.shape().dims()));
        });
        return OptimizerState.of("adam", steps, buffers);
    }

    private Path save(CheckpointStore store, long step) throws IOException {
        return store.save(step, step / 7, (int) (step % 7), weights(step), adamState(step, step));
    }

    private static void assertSameBits(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(actual.keySet()));
        expected.forEach((name, e) -> {
            Tensor a = actual.get(name);
            assertEquals(e.shape(), a.shape(), name);
            float[] ev = ((Storage.Float32) e.storage()).toArray();
            float[] av = ((Storage.Float32) a.storage()).toArray();
            for (int i = 0; i < ev.length; i++) {
                assertEquals(Float.floatToRawIntBits(ev[i]), Float.floatToRawIntBits(av[i]), name + "[" + i + "]");
            }
        });
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aCheckpointRoundTripsWithExactBitsAndTheSameBytesEveryTime() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        Path file = store.save(12, 1, 5, weights(0.5f), adamState(12, 0.5f));
        assertEquals(dir.resolve("checkpoint-000000012.ckpt"), file);

        Checkpoint read = CheckpointFile.read(file);
        assertEquals(12, read.step());
        assertEquals(1, read.epoch());
        assertEquals(5, read.batchInEpoch());
        assertEquals(42, read.seed());
        assertEquals(config().fields(), read.config());
        assertEquals(List.copyOf(config().fields().keySet()).stream().sorted().toList(),
                List.copyOf(read.config().keySet()).stream().sorted().toList());
        assertSameBits(weights(0.5f), read.weights());
        assertEquals("adam", read.optimizer().kind());
        assertEquals(12, read.optimizer().stepCount());
        assertSameBits(adamState(12, 0.5f).buffers(), read.optimizer().buffers());
        read.weights().forEach((name, t) -> assertEquals(name, t.name(), "weights are named after their parameters"));

        assertArrayEquals(Files.readAllBytes(file), CheckpointFile.toBytes(read), "reading and writing again gives the same bytes");
        // the content before the trailer is a safetensors file that any safetensors reader opens
        byte[] bytes = Files.readAllBytes(file);
        byte[] content = Arrays.copyOf(bytes, bytes.length - CheckpointFile.TRAILER_BYTES);
        assertEquals("chainrule-checkpoint", SafetensorsFile.headerFromBytes(content, "content").metadata().get("format"));
        assertTrue(SafetensorsFile.fromBytes(content, "content").containsKey("optimizer.fc1.weight.exp_avg_sq"));
    }

    @Test
    void aStateWithoutBuffersRoundTrips() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        Path file = store.save(3, 0, 3, weights(1), OptimizerState.of("sgd", 3, Map.of()));
        Checkpoint read = CheckpointFile.read(file);
        assertEquals("sgd", read.optimizer().kind());
        assertTrue(read.optimizer().buffers().isEmpty());
    }

    @Test
    void writingLeavesNoTemporaryFileAndKeepsTheNewestTwo() throws IOException {
        CheckpointStore store = new CheckpointStore(dir.resolve("new/sub"), config());
        assertEquals(Optional.empty(), store.latest(), "a directory that does not exist holds no checkpoint");
        for (long step = 3; step <= 15; step += 3) {
            save(store, step);
        }
        assertEquals(List.of("checkpoint-000000012.ckpt", "checkpoint-000000015.ckpt"), listing(dir.resolve("new/sub")));
        assertEquals(List.of(dir.resolve("new/sub/checkpoint-000000015.ckpt"), dir.resolve("new/sub/checkpoint-000000012.ckpt")),
                store.files());
        assertEquals(15, store.latest().orElseThrow().checkpoint().step());
        assertTrue(store.latest().orElseThrow().skipped().isEmpty());
    }

    private static List<String> listing(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailedWriteLeavesThePreviousCheckpointsAndNoTemporaryFile() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        save(store, 3);
        // a directory in the way of the next checkpoint: the rename fails after the temporary file was written
        Files.createDirectories(dir.resolve("checkpoint-000000006.ckpt/blocker"));
        assertThrows(IOException.class, () -> save(store, 6));
        assertEquals(List.of("checkpoint-000000003.ckpt", "checkpoint-000000006.ckpt"), names());
        assertEquals(3, store.latest().orElseThrow().checkpoint().step(), "a directory is not a checkpoint file");
    }

    @Test
    void staleTemporaryFilesFromACrashAreRemovedByTheNextWrite() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        save(store, 3);
        Files.write(dir.resolve(".checkpoint-000000006.ckpt.k3j2h1.tmp"), new byte[100]); // a write killed half-way
        Files.writeString(dir.resolve("notes.txt"), "not ours");
        assertEquals(3, store.latest().orElseThrow().checkpoint().step());
        save(store, 6);
        assertEquals(List.of("checkpoint-000000003.ckpt", "checkpoint-000000006.ckpt", "notes.txt"), names());
    }

    @Test
    void aFlippedByteIsDetectedAndThePreviousCheckpointIsUsed() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        save(store, 3);
        Path newest = save(store, 6);
        byte[] bytes = Files.readAllBytes(newest);
        for (int position : new int[] {0, 100, bytes.length / 2, bytes.length - 40, bytes.length - 1}) {
            byte[] damaged = bytes.clone();
            damaged[position] ^= 0x10;
            Files.write(newest, damaged);
            CheckpointStore.Found found = store.latest().orElseThrow();
            assertEquals(dir.resolve("checkpoint-000000003.ckpt"), found.file(), "flipped byte at " + position);
            assertEquals(3, found.checkpoint().step());
            assertEquals(1, found.skipped().size());
            String why = found.skipped().get(0);
            assertTrue(why.startsWith(newest + ": "), why);
            assertTrue(why.contains("damaged"), "byte " + position + ": " + why);
        }
        byte[] content = bytes.clone();
        content[bytes.length / 2] ^= 0x01;
        Files.write(newest, content);
        String why = store.latest().orElseThrow().skipped().get(0);
        assertTrue(why.contains("SHA-256") && why.contains("does not match"), why);
    }

    @Test
    void aTruncatedFileIsDetectedAndThePreviousCheckpointIsUsed() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        save(store, 3);
        Path newest = save(store, 6);
        byte[] bytes = Files.readAllBytes(newest);
        for (int length : new int[] {0, 7, 55, 200, bytes.length / 2, bytes.length - CheckpointFile.TRAILER_BYTES, bytes.length - 1}) {
            Files.write(newest, Arrays.copyOf(bytes, length));
            CheckpointStore.Found found = store.latest().orElseThrow();
            assertEquals(3, found.checkpoint().step(), "truncated to " + length);
            String why = found.skipped().get(0);
            assertTrue(why.startsWith(newest + ": ") && why.contains("truncated"), "truncated to " + length + ": " + why);
        }
    }

    @Test
    void aDamagedNewerCheckpointIsMovedAsideAndNeverKeptInPlaceOfAnIntactOne() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        save(store, 3);
        Path damaged = save(store, 6);
        byte[] bytes = Files.readAllBytes(damaged);
        bytes[bytes.length / 2] ^= 0x04; // in the content: the SHA-256 no longer matches
        Files.write(damaged, bytes);

        CheckpointStore.Found found = store.latest().orElseThrow();
        assertEquals(3, found.checkpoint().step());
        Path aside = dir.resolve("checkpoint-000000006.ckpt.damaged");
        assertTrue(found.skipped().get(0).endsWith("; moved aside to " + aside), found.skipped().get(0));
        assertArrayEquals(bytes, Files.readAllBytes(aside), "kept for inspection, byte for byte");
        assertEquals(List.of("checkpoint-000000003.ckpt", "checkpoint-000000006.ckpt.damaged"), names());

        // the resumed run's next checkpoint keeps the intact one before it
        save(store, 6);
        assertEquals(List.of("checkpoint-000000003.ckpt", "checkpoint-000000006.ckpt", "checkpoint-000000006.ckpt.damaged"), names());
        save(store, 8);
        assertEquals(List.of("checkpoint-000000006.ckpt", "checkpoint-000000006.ckpt.damaged", "checkpoint-000000008.ckpt"), names());
    }

    @Test
    void retentionCountsOnlyCheckpointsThatReadBackIntact() throws IOException {
        List<String> notices = new ArrayList<>();
        CheckpointStore store = new CheckpointStore(dir, config(), notices::add);
        save(store, 3);
        Path previous = save(store, 6);
        Files.write(previous, Arrays.copyOf(Files.readAllBytes(previous), 300)); // damaged after it was written
        save(store, 9);
        assertEquals(List.of("checkpoint-000000003.ckpt", "checkpoint-000000006.ckpt.damaged", "checkpoint-000000009.ckpt"), names(),
                "the intact checkpoint 3 is kept, not the damaged 6");
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).startsWith("checkpoint " + previous + ": ") && notices.get(0).contains("truncated")
                && notices.get(0).endsWith("moved aside to " + previous + ".damaged"), notices.get(0));
        save(store, 12);
        assertEquals(List.of("checkpoint-000000006.ckpt.damaged", "checkpoint-000000009.ckpt", "checkpoint-000000012.ckpt"), names());
        assertEquals(1, notices.size(), "an intact older checkpoint is deleted without a word: " + notices);
    }

    @Test
    void anIntactCheckpointThatCannotContinueTheRunIsSkippedLikeADamagedOne() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        save(store, 3);
        Path unusable = save(store, 6);
        CheckpointStore.Found found = store.latest(checkpoint -> {
            if (checkpoint.step() == 6) {
                throw new IllegalArgumentException("cannot import the state of a 'momentum' optimizer into a 'adam' optimizer");
            }
        }).orElseThrow();
        assertEquals(3, found.checkpoint().step());
        String why = found.skipped().get(0);
        assertTrue(why.startsWith(unusable + ": intact, but cannot continue this run: cannot import the state of a 'momentum'"), why);
        assertTrue(why.endsWith("moved aside to " + unusable + ".damaged"), why);

        CheckpointException none = assertThrows(CheckpointException.class, () -> store.latest(checkpoint -> {
            throw new IllegalArgumentException("checkpoint seed 1 (expected: 2, this run's)");
        }));
        assertTrue(none.getMessage().contains("\n  - " + dir.resolve("checkpoint-000000003.ckpt") + ": intact, but cannot continue"
                + " this run: checkpoint seed 1"), none.getMessage());
        assertTrue(Files.exists(dir.resolve("checkpoint-000000003.ckpt")), "with nothing usable nothing is moved");
    }

    @Test
    void whenNoCheckpointIsIntactTheErrorNamesEveryFileAndItsProblem() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        Path older = save(store, 3);
        Path newer = save(store, 6);
        Files.write(older, Arrays.copyOf(Files.readAllBytes(older), 1000));
        byte[] bytes = Files.readAllBytes(newer);
        bytes[300] ^= 1;
        Files.write(newer, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, store::latest);
        String message = e.getMessage();
        assertTrue(message.startsWith(dir + ": no valid checkpoint among 2 files:"), message);
        assertTrue(message.contains("\n  - " + newer + ": ") && message.contains("\n  - " + older + ": "), message);
        assertTrue(message.indexOf(newer.toString()) < message.indexOf(older.toString()), "newest first: " + message);
    }

    @Test
    void aFileThatIsNotACheckpointIsSkippedWithAReason() throws IOException {
        CheckpointStore store = new CheckpointStore(dir, config());
        save(store, 3);
        Path impostor = dir.resolve(CheckpointStore.fileName(9));
        SafetensorsFile.write(impostor, weights(1), Map.of("format", "pt"));
        CheckpointStore.Found found = store.latest().orElseThrow();
        assertEquals(3, found.checkpoint().step());
        assertTrue(found.skipped().get(0).startsWith(impostor + ": no checkpoint trailer"), found.skipped().get(0));

        // an intact checkpoint under another step's name is not trusted either
        Files.copy(dir.resolve(CheckpointStore.fileName(3)), impostor, StandardCopyOption.REPLACE_EXISTING);
        found = store.latest().orElseThrow();
        assertEquals(dir.resolve(CheckpointStore.fileName(3)), found.file());
        assertTrue(found.skipped().get(0).contains("holds the checkpoint after step 3 (expected: 9"), found.skipped().get(0));
    }

    @Test
    void aCheckpointOfAnotherConfigurationIsRefusedNamingTheFieldsThatDiffer() throws IOException {
        save(new CheckpointStore(dir, config()), 6);
        RunConfig other = new RunConfig(ModelSpec.of(4, 3, 2), Activation.TANH, "adam", OptimizerSettings.defaults(), 0.02, "cosine",
                16, 3, 0, true, 42, 2, 21, 50);
        CheckpointException e = assertThrows(CheckpointException.class, () -> new CheckpointStore(dir, other).latest());
        String message = e.getMessage();
        assertTrue(message.startsWith(dir.resolve("checkpoint-000000006.ckpt") + " was written by a run with another configuration"),
                message);
        assertTrue(message.contains("lr is 0.01 in the checkpoint, 0.02 in this run"), message);
        assertTrue(message.contains("batch is 8 in the checkpoint, 16 in this run"), message);
        assertFalse(message.contains("seed"), "only the fields that differ: " + message);

        RunConfig reseeded = new RunConfig(ModelSpec.of(4, 3, 2), Activation.TANH, "adam", OptimizerSettings.defaults(), 0.01, "cosine",
                8, 3, 0, true, 7, 2, 21, 50);
        assertTrue(assertThrows(CheckpointException.class, () -> new CheckpointStore(dir, reseeded).latest()).getMessage()
                .contains("seed is 42 in the checkpoint, 7 in this run"));
    }

    @Test
    void differencesNameMissingAndUnknownFields() {
        LinkedHashMap<String, String> stored = config().fields();
        assertEquals(List.of(), config().differences(stored));
        stored.remove("shards");
        stored.put("colour", "blue");
        assertEquals(List.of("shards is not recorded in the checkpoint (this run has 2)",
                "colour is blue in the checkpoint, which this version does not know"), config().differences(stored));
    }

    @Test
    void fileNamesSortByStepAndOnlyCheckpointNamesCount() {
        assertEquals("checkpoint-000000123.ckpt", CheckpointStore.fileName(123));
        assertEquals("checkpoint-1234567890.ckpt", CheckpointStore.fileName(1_234_567_890L));
        assertEquals(123, CheckpointStore.stepOf(Path.of("x/checkpoint-000000123.ckpt")));
        assertEquals(-1, CheckpointStore.stepOf(Path.of("checkpoint-12.ckpt")));
        assertEquals(-1, CheckpointStore.stepOf(Path.of(".checkpoint-000000123.ckpt.abc.tmp")));
        assertThrows(IllegalArgumentException.class, () -> CheckpointStore.fileName(-1));
    }

    @Test
    void aPathThatIsAFileIsNotACheckpointDirectory() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        CheckpointException e = assertThrows(CheckpointException.class, () -> new CheckpointStore(file, config()).latest());
        assertTrue(e.getMessage().startsWith(file + ": not a directory"), e.getMessage());
    }
}
