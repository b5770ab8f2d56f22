package dev.chainrule.cli;

import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.worker.ChannelSecurity;
import dev.chainrule.wire.BearerTokens;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import picocli.CommandLine.Option;

/**
 * {@code --token-file FILE}: the shared secret every worker sends on every call and the coordinator
 * checks, shared by {@code coordinator}, {@code worker} and {@code train --workers}. The secret
 * itself never appears in a message: errors name the file and a character position.
 */
final class TokenFileOption {
    /** A longer file is refused unread: a token and the whitespace around it take far less. */
    static final int MAX_FILE_BYTES = 2 * BearerTokens.MAX_LENGTH;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding a shared secret: printable ASCII without spaces; whitespace around it, such as a final"
                    + " newline, is ignored. Workers send it on every call as 'authorization: Bearer <token>'; the"
                    + " coordinator rejects calls without it (UNAUTHENTICATED). Across a network use it with TLS: over"
                    + " plaintext the token travels in the clear.")
    Path tokenFile;

    /** {@code security}, requiring the token if the option was given; a warning on {@code err} if others may read the file. */
    ServerSecurity applyTo(ServerSecurity security, PrintWriter err) throws InputException {
        return withToken(security, ServerSecurity::withToken, err);
    }

    /** {@code security}, sending the token if the option was given; a warning on {@code err} if others may read the file. */
    ChannelSecurity applyTo(ChannelSecurity security, PrintWriter err) throws InputException {
        return withToken(security, ChannelSecurity::withToken, err);
    }

    private <S> S withToken(S security, BiFunction<S, String, S> with, PrintWriter err) throws InputException {
        if (tokenFile == null) {
            return security;
        }
        S protectedBy;
        try {
            protectedBy = with.apply(security, read());
        } catch (IllegalArgumentException e) {
            throw new InputException("--token-file " + tokenFile + ": " + e.getMessage());
        }
        warnIfOthersMayRead(err);
        return protectedBy;
    }

    /** This option as command-line arguments, for worker processes that must send the same token. */
    List<String> asArguments() {
        return tokenFile == null ? List.of() : List.of("--token-file", tokenFile.toAbsolutePath().toString());
    }

    /** A warning naming the file (never the token) when its group or others may read it. */
    private void warnIfOthersMayRead(PrintWriter err) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(tokenFile);
        } catch (IOException | UnsupportedOperationException e) {
            return; // no POSIX permissions here: nothing to judge
        }
        if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
            err.println("warning: --token-file " + tokenFile + " can be read by " + (permissions.contains(PosixFilePermission.OTHERS_READ)
                    ? "every user" : "its group") + " (" + PosixFilePermissions.toString(permissions) + "): anyone who reads it can"
                    + " join the run; chmod 600 " + tokenFile);
            err.flush();
        }
    }

    private String read() throws InputException {
        if (Files.isDirectory(tokenFile)) {
            throw new InputException("--token-file " + tokenFile + ": is a directory (expected: a file holding the token)");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(tokenFile)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new InputException("--token-file " + tokenFile + ": cannot read it (" + e.getClass().getSimpleName() + ")");
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new InputException("--token-file " + tokenFile + ": more than " + MAX_FILE_BYTES + " bytes (expected: a token of at"
                    + " most " + BearerTokens.MAX_LENGTH + " characters)");
        }
        try {
            return StandardCharsets.US_ASCII.newDecoder().decode(ByteBuffer.wrap(bytes)).toString().strip();
        } catch (CharacterCodingException e) {
            throw new InputException("--token-file " + tokenFile + ": the token has bytes that are not ASCII (expected: printable"
                    + " ASCII without spaces, '!' to '~')");
        }
    }
}
