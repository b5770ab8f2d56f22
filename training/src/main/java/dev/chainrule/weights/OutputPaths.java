package dev.chainrule.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Checks that output can go where the user asked, before any work is done: a file's directory
 * exists and is writable and the file is absent or a regular file; a directory exists (it is
 * created) and is writable. Errors are {@link OutputPathException}s naming the path as given.
 */
public final class OutputPaths {
    private OutputPaths() {
    }

    /**
     * The file that writing {@code target} replaces or creates: {@code target} itself, or the file a
     * symbolic link there points to, so that the link is kept.
     *
     * @throws OutputPathException when the target exists and is not a regular file, or its directory
     *     does not exist or is not writable
     */
    public static Path file(Path target) throws OutputPathException {
        Path destination = target.toAbsolutePath();
        if (Files.exists(destination, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(destination)) {
                throw new OutputPathException(target, "not a regular file (" + kind(destination)
                        + "): expected a file to create or replace");
            }
            try {
                destination = destination.toRealPath();
            } catch (IOException e) {
                throw new OutputPathException(target, "cannot resolve it (" + e.getClass().getSimpleName() + ")", e);
            }
        }
        Path dir = destination.getParent();
        if (!Files.isDirectory(dir)) {
            throw new OutputPathException(target, "its directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
        if (!Files.isWritable(dir)) {
            throw new OutputPathException(target, "its directory " + dir + " is not writable");
        }
        return destination;
    }

    /**
     * {@code dir}, created with its parents if it does not exist.
     *
     * @throws OutputPathException when it exists and is not a directory, cannot be created, or is not writable
     */
    public static Path directory(Path dir) throws OutputPathException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new OutputPathException(dir, "not a directory (" + kind(dir) + ")");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new OutputPathException(dir, "cannot create the directory (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
        if (!Files.isWritable(dir)) {
            throw new OutputPathException(dir, "the directory is not writable");
        }
        return dir;
    }

    private static String kind(Path path) {
        if (Files.isDirectory(path)) {
            return "a directory";
        }
        if (Files.isRegularFile(path)) {
            return "a regular file";
        }
        return Files.isSymbolicLink(path) ? "a broken symbolic link" : "a device, pipe or socket";
    }
}
