package dev.chainrule.wire;

import io.grpc.Metadata;

/**
 * The shared-secret token on the wire, as both ends must agree on it: every call from a worker
 * carries the metadata {@code authorization: Bearer <token>}, and a token is 1 or more printable
 * ASCII characters without spaces ({@code !} to {@code ~}), so that it can travel as a header value.
 */
public final class BearerTokens {
    /** The metadata key the token travels in. */
    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** What precedes the token in the metadata value. */
    public static final String SCHEME = "Bearer ";
    /** The longest token: far more than a secret needs, and well within what HTTP/2 carries in a header. */
    public static final int MAX_LENGTH = 4096;

    private BearerTokens() {
    }

    /**
     * The metadata value for {@code token}: {@code "Bearer " + token}.
     *
     * @throws IllegalArgumentException when the token is empty, longer than {@value #MAX_LENGTH}
     *     characters, or has another character than printable ASCII without spaces; the message names
     *     the character's position, never the token
     */
    public static String headerValue(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("the token is empty (expected: 1 or more printable ASCII characters)");
        }
        if (token.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the token has " + token.length() + " characters (expected: at most " + MAX_LENGTH + ")");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException(String.format("the token has character U+%04X at position %d (expected: printable"
                        + " ASCII without spaces, '!' to '~')", (int) c, i + 1));
            }
        }
        return SCHEME + token;
    }
}
