package dev.chainrule.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code chainrule} script, run on a stand-in project: a run that has started keeps
 * its classes when another {@code ./chainrule} rebuilds the jar under it. The build is a stand-in
 * {@code mvn} on the PATH that rewrites {@code cli/target/chainrule.jar} and {@code lib/} in place,
 * as a real build does; the jar's main class loads its library class only when told to, after the
 * rebuild, as a long run loads classes late.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ChainruleScriptTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aRunningJobKeepsItsClassesWhenAnotherRunRebuildsTheJar() throws Exception {
        Path project = dir.resolve("project");
        Files.createDirectories(project.resolve("cli/src/main/java"));
        Files.writeString(project.resolve("pom.xml"), "<project/>\n");
        Path script = Files.copy(repositoryScript(), project.resolve("chainrule"), StandardCopyOption.COPY_ATTRIBUTES);
        Path builds = dir.resolve("builds");
        Path bin = fakeMaven(dir.resolve("bin"), builds);

        writeBuild(builds, "first");
        Path go = dir.resolve("go");
        Process first = start(script, bin, dir.resolve("first.log"), go.toString());
        awaitLine(dir.resolve("first.log"), "started", first);
        assertTrue(Files.readString(dir.resolve("first.log")).contains("chainrule: building the runnable jar"));

        writeBuild(builds, "second");
        Files.setLastModifiedTime(Files.writeString(project.resolve("cli/src/main/java/Changed.java"), "// changed\n"),
                FileTime.from(Instant.now().plusSeconds(5))); // newer than the jar: the next run rebuilds
        Path goNow = Files.writeString(dir.resolve("go-now"), "");
        Process second = start(script, bin, dir.resolve("second.log"), goNow.toString());
        int secondStatus = waitFor(second);
        String secondLog = read(dir.resolve("second.log"));
        assertEquals(0, secondStatus, "the second run failed:\n" + secondLog);
        assertTrue(secondLog.contains("chainrule: building the runnable jar"), secondLog);
        assertTrue(secondLog.contains("library second"), secondLog);

        Files.writeString(go, "");
        int firstStatus = waitFor(first);
        String firstLog = read(dir.resolve("first.log"));
        assertEquals(0, firstStatus, "the first run failed after the rebuild:\n" + firstLog);
        assertTrue(firstLog.contains("library first"), "the first run must keep the classes it started with:\n" + firstLog);
    }

    /** The script at the repository's root; surefire runs in the cli module's directory. */
    private static Path repositoryScript() {
        Path script = Path.of("").toAbsolutePath().getParent().resolve("chainrule");
        if (!Files.isExecutable(script)) {
            fail(script + " is missing or not executable (expected: the repository's chainrule script; surefire runs in cli/)");
        }
        return script;
    }

    /**
     * A stand-in {@code mvn}: like the real build it rewrites the files in place (same inode), here
     * with the jars in {@code builds}.
     */
    private static Path fakeMaven(Path bin, Path builds) throws IOException {
        Files.createDirectories(bin);
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\nset -e\nmkdir -p cli/target/lib\n"
                + "cat '" + builds + "/chainrule.jar' > cli/target/chainrule.jar\n"
                + "cat '" + builds + "/lib/probe-lib.jar' > cli/target/lib/probe-lib.jar\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    /**
     * Compiles the probe for {@code version}: {@code Probe} (in chainrule.jar, Class-Path lib/probe-lib.jar)
     * prints "started", waits for the file named by its argument, then prints {@code Library.version()},
     * a class it loads only then, from lib/.
     */
    private void writeBuild(Path builds, String version) throws IOException {
        Path sources = Files.createDirectories(dir.resolve("sources-" + version));
        Path classes = Files.createDirectories(dir.resolve("classes-" + version));
        Path library = Files.writeString(sources.resolve("Library.java"),
                "public class Library { public static String version() { return \"library " + version + "\"; } }\n");
        Path probe = Files.writeString(sources.resolve("Probe.java"), """
                import java.nio.file.*;
                public class Probe {
                    public static void main(String[] args) throws Exception {
                        System.out.println("started");
                        System.out.flush();
                        long deadline = System.nanoTime() + 60_000_000_000L;
                        while (!Files.exists(Path.of(args[0]))) {
                            if (System.nanoTime() > deadline) {
                                throw new IllegalStateException("no " + args[0] + " within 60 s");
                            }
                            Thread.sleep(20);
                        }
                        System.out.println(Library.version());
                    }
                }
                """);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int status = javac.run(null, null, null, "--release", "17", "-d", classes.toString(), library.toString(), probe.toString());
        assertEquals(0, status, "javac of the probe");
        Files.createDirectories(builds.resolve("lib"));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Probe");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, "lib/probe-lib.jar");
        writeJar(builds.resolve("chainrule.jar"), manifest, classes.resolve("Probe.class"));
        Manifest plain = new Manifest();
        plain.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        writeJar(builds.resolve("lib/probe-lib.jar"), plain, classes.resolve("Library.class"));
    }

    private static void writeJar(Path jar, Manifest manifest, Path classFile) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
                JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry(classFile.getFileName().toString()));
            out.write(Files.readAllBytes(classFile));
            out.closeEntry();
        }
    }

    /** {@code script args...} with the stand-in mvn first on the PATH, stdout and stderr into {@code log}. */
    private static Process start(Path script, Path bin, Path log, String... args) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(concat(script.toString(), args)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.put("PATH", bin + ":" + environment.getOrDefault("PATH", "/usr/bin:/bin"));
        environment.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + environment.get("PATH"));
        return builder.start();
    }

    private static List<String> concat(String first, String... rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(rest));
        return all;
    }

    private static void awaitLine(Path log, String line, Process process) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!read(log).lines().anyMatch(line::equals)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                fail("no line '" + line + "' within " + WAIT + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")")
                        + ":\n" + read(log));
            }
            Thread.sleep(20);
        }
    }

    private static int waitFor(Process process) throws InterruptedException {
        if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("./chainrule still ran after " + WAIT);
        }
        return process.exitValue();
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
