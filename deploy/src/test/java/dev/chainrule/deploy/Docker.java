package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
     * Fails (never skips) unless a Docker engine answers {@code docker version}, naming the cause: no
     * {@code docker} command, no engine listening, or an engine whose socket this user may not use.
     * These tests need a real engine, which {@code tools/test-all} installs, starts and opens to its user.
     */
    static void requireEngine() throws IOException, InterruptedException {
        Result version;
        try {
            version = run(Duration.ofSeconds(30), Map.of(), List.of("docker", "version", "--format", "{{.Server.Version}}"));
        } catch (IOException e) {
            throw new AssertionError("no docker command (" + e.getMessage() + "): install Debian's docker.io, as tools/test-all"
                    + " does; the container tests need a real Docker engine and do not skip", e);
        }
        if (version.exitCode() != 0) {
            fail(engineProblem(version.output(), System.getenv("DOCKER_HOST")));
        }
    }

    /**
     * Why {@code docker version} failed, from what it printed: this user may not use the engine's
     * socket (the engine may well run), nothing listens there, or something else, with its output.
     */
    static String engineProblem(String output, String dockerHost) {
        String endpoint = dockerHost == null || dockerHost.isBlank() ? "unix:///var/run/docker.sock" : dockerHost;
        String advice = " (tools/test-all starts an engine if none answers and runs the tests in the socket's group;"
                + " the container tests need a real engine and do not skip):\n" + output.strip();
        if (output.toLowerCase(Locale.ROOT).contains("permission denied")) {
            return "permission denied on " + socketDescription(endpoint) + ": a Docker engine may be running, but "
                    + System.getProperty("user.name") + " may not use its socket; run as root or in the socket's group" + advice;
        }
        if (output.contains("Cannot connect to the Docker daemon") || output.contains("Is the docker daemon running")) {
            return "no Docker engine listens on " + socketDescription(endpoint) + ": start dockerd" + advice;
        }
        return "'docker version' failed against " + endpoint + advice;
    }

    /** A unix socket's path with its mode, owner and group, or the endpoint as it is. */
    private static String socketDescription(String endpoint) {
        if (!endpoint.startsWith("unix://")) {
            return endpoint;
        }
        Path socket = Path.of(endpoint.substring("unix://".length()));
        try {
            PosixFileAttributes attributes = Files.readAttributes(socket, PosixFileAttributes.class);
            return socket + " (" + PosixFilePermissions.toString(attributes.permissions()) + " " + attributes.owner().getName()
                    + ":" + attributes.group().getName() + ")";
        } catch (NoSuchFileException e) {
            return socket + " (missing)";
        } catch (IOException | UnsupportedOperationException e) {
            return socket.toString();
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
