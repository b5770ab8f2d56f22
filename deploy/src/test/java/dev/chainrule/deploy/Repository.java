package dev.chainrule.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's files are: the build passes the root as the system property {@code chainrule.repository}. */
final class Repository {
    private Repository() {
    }

    /** The repository's root directory (the one with the parent pom.xml and deploy/). */
    static Path root() {
        String property = System.getProperty("chainrule.repository");
        Path root = (property != null ? Path.of(property) : Path.of("").toAbsolutePath().getParent()).toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("deploy")) || !Files.isRegularFile(root.resolve("pom.xml"))) {
            throw new IllegalStateException("repository root " + root + " (expected: a directory with pom.xml and deploy/; set"
                    + " -Dchainrule.repository)");
        }
        return root;
    }

    /** {@code deploy/} in the repository. */
    static Path deploy() {
        return root().resolve("deploy");
    }
}
