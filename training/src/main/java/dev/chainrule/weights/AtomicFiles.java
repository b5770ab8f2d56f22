package dev.chainrule.weights;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file atomically: the content goes to a new temporary file in the same directory,
 * which is flushed to disk (fsync) and then renamed over the target, so a reader sees the old file
 * or the complete new one, never a partial one, even after a crash. Used for weights files and for
 * training checkpoints ({@code dev.chainrule.checkpoint}).
 */
public final class AtomicFiles {
    private static final int BUFFER = 1 << 16;
    private static final int ATTEMPTS = 16;

    /** Writes a file's whole content to a stream (which it must not close). */
    @FunctionalInterface
    public interface Content {
        /** Writes the content to {@code out}. */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes {@code content} to {@code target}, replacing the regular file there if any (through a
     * symbolic link, the file it points to). The temporary file, {@code .<name>.<random>.tmp}, is
     * removed if anything fails. The directory is synced as well where the platform allows it.
     *
     * @throws OutputPathException naming {@code target} when it is not a regular file (a directory, a
     *     device), or its directory is missing or not writable: nothing is written or replaced
     */
    public static void write(Path target, Content content) throws IOException {
        Path destination = OutputPaths.file(target);
        Path dir = destination.getParent();
        Path temp;
        try {
            temp = createTemp(dir, destination.getFileName().toString());
        } catch (IOException e) {
            throw new OutputPathException(target, "cannot create a file in " + dir + " (" + e.getClass().getSimpleName() + ")", e);
        }
        boolean done = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER);
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            OutputPaths.file(target); // again, right before the rename: it replaces nothing but a regular file
            try {
                Files.move(temp, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new OutputPathException(target, "cannot be replaced atomically (" + e.getMessage() + ")", e);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
        syncDirectory(dir);
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String suffix = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
            Path temp = dir.resolve("." + name + "." + suffix + ".tmp");
            try {
                return Files.createFile(temp);
            } catch (FileAlreadyExistsException e) {
                if (attempt + 1 >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Makes the rename durable on POSIX file systems; some platforms cannot open a directory, which is fine. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // not supported here (e.g. Windows); the file itself was synced before the rename
        }
    }
}
