package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The causes {@link Docker#requireEngine()} names, from what the docker client prints when it fails. */
class DockerTest {
    private static final String DENIED = "Got permission denied while trying to connect to the Docker daemon socket at"
            + " unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version\": dial unix"
            + " /var/run/docker.sock: connect: permission denied";
    private static final String DOWN = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?";

    @TempDir
    Path dir;

    @Test
    void aSocketThisUserMayNotUseIsPermissionDeniedNotAnEngineThatIsDown() throws Exception {
        Path socket = Files.setPosixFilePermissions(Files.createFile(dir.resolve("docker.sock")), PosixFilePermissions.fromString("rw-rw----"));
        String problem = Docker.engineProblem(DENIED, "unix://" + socket);
        assertTrue(problem.startsWith("permission denied on " + socket + " (rw-rw---- "), problem);
        assertTrue(problem.contains("may not use its socket; run as root or in the socket's group"), problem);
        assertTrue(problem.endsWith(DENIED), problem);
        assertFalse(problem.contains("start dockerd"), problem);
    }

    @Test
    void nothingListeningIsAnEngineToStart() {
        String problem = Docker.engineProblem(DOWN, "unix://" + dir.resolve("absent.sock"));
        assertTrue(problem.startsWith("no Docker engine listens on " + dir.resolve("absent.sock") + " (missing): start dockerd"), problem);
        assertTrue(problem.endsWith(DOWN), problem);
    }

    @Test
    void theDefaultSocketIsNamedWithoutDockerHost() {
        assertTrue(Docker.engineProblem(DOWN, null).startsWith("no Docker engine listens on /var/run/docker.sock"));
    }

    @Test
    void anyOtherFailureIsQuotedAsItIs() {
        String problem = Docker.engineProblem("error during connect: bad TLS\n", "tcp://127.0.0.1:2376");
        assertEquals("'docker version' failed against tcp://127.0.0.1:2376 (tools/test-all starts an engine if none answers and runs"
                + " the tests in the socket's group; the container tests need a real engine and do not skip):\nerror during connect: bad TLS",
                problem);
    }
}
