package dev.chainrule.cli;

import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.worker.ChannelSecurity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import picocli.CommandLine.Option;

/**
 * {@code --token-file FILE}: the shared secret every worker sends on every call and the coordinator
 * checks, shared by {@code coordinator}, {@code worker} and {@code train --workers}. The secret
 * itself never appears in a message: errors name the file and a character position.
 */
final class TokenFileOption {

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding a shared secret: printable ASCII without spaces; whitespace around it, such as a final"
                    + " newline, is ignored. Workers send it on every call as 'authorization: Bearer <token>'; the"
                    + " coordinator rejects calls without it (UNAUTHENTICATED). Across a network use it with TLS: over"
                    + " plaintext the token travels in the clear.")
    Path tokenFile;

    /** {@code security}, requiring the token if the option was given. */
    ServerSecurity applyTo(ServerSecurity security) throws InputException {
        return withToken(security, ServerSecurity::withToken);
    }

    /** {@code security}, sending the token if the option was given. */
    ChannelSecurity applyTo(ChannelSecurity security) throws InputException {
        return withToken(security, ChannelSecurity::withToken);
    }

    private <S> S withToken(S security, BiFunction<S, String, S> with) throws InputException {
        if (tokenFile == null) {
            return security;
        }
        String token = read();
        try {
            return with.apply(security, token);
        } catch (IllegalArgumentException e) {
            throw new InputException("--token-file " + tokenFile + ": " + e.getMessage());
        }
    }

    /** This option as command-line arguments, for worker processes that must send the same token. */
    List<String> asArguments() {
        return tokenFile == null ? List.of() : List.of("--token-file", tokenFile.toAbsolutePath().toString());
    }

    private String read() throws InputException {
        try {
            return StandardCharsets.US_ASCII.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(tokenFile))).toString().strip();
        } catch (CharacterCodingException e) {
            throw new InputException("--token-file " + tokenFile + ": the token has bytes that are not ASCII (expected: printable"
                    + " ASCII without spaces, '!' to '~')");
        } catch (IOException e) {
            throw new InputException("--token-file " + tokenFile + ": cannot read it (" + e.getClass().getSimpleName() + ")");
        }
    }
}
