package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Commands run on this machine for the Docker tests ({@code docker}, {@code docker-compose},
 * {@code deploy/build-image}), each bounded in time, and the image they share.
 */
final class Docker {
    /** The image the container tests run: deploy/Dockerfile on the FROM-scratch runtime. A fixed tag, so rebuilds replace it. */
    static final String IMAGE = "chainrule:it";
    /** The FROM-scratch Java runtime that build-image makes, the base of {@link #IMAGE} and of the compose cluster's image. */
    static final String RUNTIME_IMAGE = "chainrule-runtime:17";
    private static boolean built;

    private Docker() {
    }

    /** What a command printed (stdout and stderr together) and its exit code. */
    record Result(List<String> command, int exitCode, String output) {
        /** This result, or a failure with the output if the exit code is not 0. */
        Result requireSuccess() {
            if (exitCode != 0) {
                fail(String.join(" ", command) + " exited " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    /**
     * Fails (never skips) unless a Docker engine answers {@code docker version}, naming what to do:
     * these tests need a real engine, which CI installs and starts.
     */
    static void requireEngine() throws IOException, InterruptedException {
        Result version;
        try {
            version = run(Duration.ofSeconds(30), Map.of(), List.of("docker", "version", "--format", "{{.Server.Version}}"));
        } catch (IOException e) {
            throw new AssertionError("no docker command (" + e.getMessage() + "): install docker.io and start dockerd, as .ci/run"
                    + " does; the container tests need a real Docker engine and do not skip", e);
        }
        if (version.exitCode() != 0) {
            fail("no Docker engine answers 'docker version' (start dockerd, as .ci/run does; the container tests need a real"
                    + " engine and do not skip):\n" + version.output());
        }
    }

    /**
     * Builds {@link #IMAGE} once per test JVM with {@code deploy/build-image --scratch} (a jlink-made
     * runtime from this machine's JDK, nothing pulled), then removes the untagged images earlier builds
     * of the same tags left behind.
     */
    static synchronized void buildImage() throws IOException, InterruptedException {
        if (built) {
            return;
        }
        requireEngine();
        Path jar = Repository.root().resolve("cli/target/chainrule.jar");
        if (!Files.isRegularFile(jar)) {
            fail(jar + " is missing: the container tests run after 'package' of the cli module ('mvn -B verify' from the root)");
        }
        run(Duration.ofMinutes(5), Map.of(), List.of(Repository.deploy().resolve("build-image").toString(), "--scratch",
                "--tag", IMAGE, "--runtime-tag", RUNTIME_IMAGE)).requireSuccess();
        for (String title : List.of("chainrule", "chainrule-runtime")) {
            run(Duration.ofMinutes(1), Map.of(), List.of("docker", "image", "prune", "--force", "--filter",
                    "label=org.opencontainers.image.title=" + title)).requireSuccess();
        }
        built = true;
    }

    /**
     * Runs {@code command} in the repository's root with {@code environment} added, waits at most
     * {@code timeout} (then kills it and fails), and returns its output and exit code.
     */
    static Result run(Duration timeout, Map<String, String> environment, List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("chainrule-command", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(Repository.root().toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " still ran after " + timeout + ":\n" + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(List.copyOf(command), process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
