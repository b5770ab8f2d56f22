package dev.chainrule.deploy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The first samples of the real Fashion-MNIST (Debian's dataset-fashion-mnist) written as raw IDX
 * files under the names a {@code --data} directory needs: a data set of the real kind that a
 * cluster trains on in seconds.
 */
final class FashionMnistSubset {
    static final Path SOURCE = Path.of("/usr/share/datasets/fashion-mnist");

    private FashionMnistSubset() {
    }

    /** Writes {@code train} training and {@code test} test samples to {@code dir}; returns {@code dir}. */
    static Path write(Path dir, int train, int test) throws IOException {
        if (!Files.isDirectory(SOURCE)) {
            throw new AssertionError(SOURCE + " is missing (expected: Debian's dataset-fashion-mnist, which tools/test-all installs)");
        }
        Files.createDirectories(dir);
        for (String split : new String[] {"train", "t10k"}) {
            int count = split.equals("train") ? train : test;
            copy(split + "-images-idx3-ubyte", dir, count);
            copy(split + "-labels-idx1-ubyte", dir, count);
        }
        return dir;
    }

    /** Copies the header (with {@code count} as the item count) and the first {@code count} items of one IDX file. */
    private static void copy(String name, Path dir, int count) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(SOURCE.resolve(name + ".gz"))));
                DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(name)))) {
            int magic = in.readInt();
            int dimensions = magic & 0xff;
            int available = in.readInt();
            if (count > available) {
                throw new IllegalArgumentException(name + ": " + count + " items (expected: at most " + available + ")");
            }
            out.writeInt(magic);
            out.writeInt(count);
            long itemBytes = 1;
            for (int d = 1; d < dimensions; d++) {
                int size = in.readInt();
                out.writeInt(size);
                itemBytes *= size;
            }
            copyBytes(in, out, itemBytes * count);
        }
    }

    private static void copyBytes(InputStream in, OutputStream out, long bytes) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        for (long left = bytes; left > 0; ) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (read < 0) {
                throw new IOException("the file ends " + left + " bytes early");
            }
            out.write(buffer, 0, read);
            left -= read;
        }
    }
}
