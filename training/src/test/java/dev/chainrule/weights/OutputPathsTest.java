package dev.chainrule.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OutputPaths} and {@link AtomicFiles}: only regular files are replaced, and errors name the path given. */
class OutputPathsTest {
    @TempDir
    Path dir;

    private static final byte[] CONTENT = "new content\n".getBytes(StandardCharsets.UTF_8);

    private static void write(Path target) throws IOException {
        AtomicFiles.write(target, out -> out.write(CONTENT));
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aMissingDirectoryIsNamedBeforeAnythingIsWritten() {
        Path target = dir.resolve("no/such/dir/w.safetensors");
        OutputPathException e = assertThrows(OutputPathException.class, () -> write(target));
        assertEquals(target + ": its directory " + dir.resolve("no/such/dir") + " does not exist", e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), "never the temporary file: " + e.getMessage());
    }

    @Test
    void aDirectoryIsNeverReplaced() throws IOException {
        Path target = Files.createDirectory(dir.resolve("weights.safetensors"));
        OutputPathException e = assertThrows(OutputPathException.class, () -> write(target));
        assertTrue(e.getMessage().startsWith(target + ": not a regular file (a directory)"), e.getMessage());
        assertTrue(Files.isDirectory(target));
        assertEquals(List.of("weights.safetensors"), names(), "no temporary file left");
    }

    @Test
    void aPipeIsNeverReplacedByAnOrdinaryFile() throws IOException, InterruptedException {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo " + fifo);
        OutputPathException e = assertThrows(OutputPathException.class, () -> write(fifo));
        assertTrue(e.getMessage().startsWith(fifo + ": not a regular file (a device, pipe or socket)"), e.getMessage());
        assertFalse(Files.isRegularFile(fifo), "still the pipe");
        assertThrows(OutputPathException.class, () -> OutputPaths.file(fifo));
    }

    @Test
    void aSymbolicLinkIsKeptAndTheFileItPointsToReplaced() throws IOException {
        Path real = Files.writeString(dir.resolve("real"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link"), real.getFileName());
        write(link);
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(CONTENT, Files.readAllBytes(real));
        Path broken = Files.createSymbolicLink(dir.resolve("broken"), dir.resolve("nowhere"));
        assertTrue(assertThrows(OutputPathException.class, () -> write(broken)).getMessage().contains("a broken symbolic link"));
        assertTrue(Files.isSymbolicLink(broken), "the link is left alone");
    }

    @Test
    void aRegularFileOrNothingIsWritten() throws IOException {
        Path absent = dir.resolve("absent");
        write(absent);
        assertArrayEquals(CONTENT, Files.readAllBytes(absent));
        Path existing = Files.writeString(dir.resolve("existing"), "old");
        write(existing);
        assertArrayEquals(CONTENT, Files.readAllBytes(existing));
        assertEquals(List.of("absent", "existing"), names());
    }

    @Test
    void aCheckpointDirectoryIsCreatedOrRefusedNamingIt() throws IOException {
        Path nested = dir.resolve("a/b/c");
        assertEquals(nested, OutputPaths.directory(nested));
        assertTrue(Files.isDirectory(nested));
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertEquals(file + ": not a directory (a regular file)",
                assertThrows(OutputPathException.class, () -> OutputPaths.directory(file)).getMessage());
        assertTrue(assertThrows(OutputPathException.class, () -> OutputPaths.directory(file.resolve("sub"))).getMessage()
                .startsWith(file.resolve("sub") + ": cannot create the directory"));
    }
}
